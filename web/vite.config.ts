// The dashboard is served by vigil-hub from the same origin as its API; `npm run dev` proxies the API to a
// hub given by VIGIL_HUB (default http://127.0.0.1:8443).
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, target: "es2020", sourcemap: false, chunkSizeWarningLimit: 250 },
  server: {
    proxy: { "/api": { target: process.env.VIGIL_HUB ?? "http://127.0.0.1:8443", changeOrigin: true, secure: false } },
  },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
