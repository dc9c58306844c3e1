// Training code (libtorch) lands here.
