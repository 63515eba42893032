"""Reading images: loading files people save, the one preprocessing, the conversion to the network's input."""
