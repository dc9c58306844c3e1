#!/usr/bin/python3
"""A Python Sparkplug host of the hub's ingest: the peer of the ingest figures in docs/benchmarks.md.

What a user would otherwise write with the usual tools: paho-mqtt subscribes to spBv1.0/#, the payloads are
decoded with Google's protobuf runtime from the same sparkplug_b.proto (compiled with protoc at start), the
births' aliases name the DATA metrics, and a storing thread writes each batch of up to 2,000 messages in one
SQLite transaction (WAL, synchronous=FULL, as the hub): every Double value as a row (series, time, value) and
the latest value per series. Less than the hub does: no session rules (seq order, rebirth requests), no
aggregates, no texts, evidence or acknowledgements.

  hub_peer.py --port P --db FILE --expected N [--out FILE]

Prints "ready" once subscribed; exits when N values are stored (or 5 s after the last one), printing and
writing {"values", "seconds", "metrics_per_s", "cpu_s"} from the first message to the last commit.
"""
import argparse, json, os, queue, sqlite3, subprocess, sys, tempfile, threading, time

import paho.mqtt.client as mqtt

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_proto():
    out = tempfile.mkdtemp(prefix="vigil-hub-peer-")
    proto_dir = os.path.join(ROOT, "src", "proto")
    subprocess.run(["protoc", f"--proto_path={proto_dir}", f"--python_out={out}", "sparkplug_b.proto"], check=True)
    sys.path.insert(0, out)
    import sparkplug_b_pb2
    return sparkplug_b_pb2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--expected", type=int, required=True)
    ap.add_argument("--out")
    args = ap.parse_args()
    pb = load_proto()

    db = sqlite3.connect(args.db, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, node TEXT, device TEXT, name TEXT, "
               "UNIQUE (node, device, name))")
    db.execute("CREATE TABLE IF NOT EXISTS samples (series INTEGER, ts INTEGER, value REAL, "
               "PRIMARY KEY (series, ts)) WITHOUT ROWID")
    db.execute("CREATE TABLE IF NOT EXISTS latest (series INTEGER PRIMARY KEY, ts INTEGER, value REAL)")

    inbox = queue.Queue()
    first = [None]

    def on_message(client, userdata, msg):
        if first[0] is None:
            first[0] = time.monotonic()
        inbox.put((msg.topic, msg.payload))

    client = mqtt.Client(client_id="vigil-hub-peer", clean_session=True)
    client.on_message = on_message
    client.connect("127.0.0.1", args.port)
    client.subscribe("spBv1.0/#", qos=1)
    client.loop_start()
    time.sleep(0.3)
    print("ready", flush=True)

    names = {}       # (node, device) -> {alias: name}
    series_ids = {}  # (node, device, name) -> id
    stored = 0
    last_commit = None
    cpu0 = time.process_time()
    while stored < args.expected:
        try:
            batch = [inbox.get(timeout=5)]
        except queue.Empty:
            break
        while len(batch) < 2000:
            try:
                batch.append(inbox.get_nowait())
            except queue.Empty:
                break
        rows, latest = [], {}
        for topic, payload in batch:
            parts = topic.split("/")
            if len(parts) < 4 or parts[1] == "STATE":
                continue
            verb, node = parts[2], parts[3]
            device = parts[4] if len(parts) > 4 else ""
            p = pb.Payload()
            p.ParseFromString(payload)
            if verb in ("NBIRTH", "DBIRTH"):
                table = names.setdefault((node, device), {})
                for m in p.metrics:
                    if m.HasField("alias"):
                        table[m.alias] = m.name
                continue
            if verb != "DDATA":
                continue
            table = names.get((node, device), {})
            for m in p.metrics:
                if m.WhichOneof("value") != "double_value":
                    continue
                name = m.name or table.get(m.alias)
                if name is None:
                    continue
                key = (node, device, name)
                sid = series_ids.get(key)
                if sid is None:
                    db.execute("INSERT OR IGNORE INTO series (node, device, name) VALUES (?, ?, ?)", key)
                    sid = db.execute("SELECT id FROM series WHERE node=? AND device=? AND name=?", key).fetchone()[0]
                    series_ids[key] = sid
                ts = m.timestamp or p.timestamp
                rows.append((sid, ts, m.double_value))
                if sid not in latest or latest[sid][0] < ts:
                    latest[sid] = (ts, m.double_value)
        db.execute("BEGIN")
        db.executemany("INSERT OR IGNORE INTO samples (series, ts, value) VALUES (?, ?, ?)", rows)
        db.executemany("INSERT INTO latest (series, ts, value) VALUES (?, ?, ?) ON CONFLICT (series) DO UPDATE "
                       "SET ts = excluded.ts, value = excluded.value WHERE latest.ts < excluded.ts",
                       [(sid, ts, v) for sid, (ts, v) in latest.items()])
        db.execute("COMMIT")
        stored += len(rows)
        last_commit = time.monotonic()
    client.loop_stop()
    seconds = (last_commit - first[0]) if last_commit and first[0] else 0.0
    result = {"values": stored, "seconds": seconds, "metrics_per_s": stored / seconds if seconds > 0 else 0.0,
              "cpu_s": time.process_time() - cpu0}
    print(json.dumps(result), flush=True)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
