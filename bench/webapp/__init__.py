"""The desk as bench/inbox.py serves it: the product's settings and URLs, plus one bare view as the baseline."""
