"""Entity detection: which labs, companies, models and people an article names.

find.py is the entry point (find_entities); kb.py holds the knowledge base read from
data/entities.toml; names.py, models.py, zh.py, zh_people.py, places.py and code.py are the
detectors and masks it combines.
"""
