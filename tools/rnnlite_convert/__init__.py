"""rnnlite-convert: exact conversion between rnnlite model files and
PyTorch, Keras, TensorFlow.js and ONNX (see docs/interop.md)."""
