"""Nothing of the guidelines is in the Django admin: a published version is never edited (its page publishes a new
one), and the acceptances are records, read on their own page."""
