"""The alternatives index/ offers, by name: importable without numpy, so settings can check them."""

EMBEDDING_BACKENDS = ("onnx-int8", "onnx", "sentence-transformers")
VECTOR_STORES = ("faiss", "milvus")
