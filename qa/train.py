"""``python -m qa.train``: regenerate the shipped reader model (see qa/reader/train.py)."""
from qa.reader.train import main

if __name__ == "__main__":
    main()
