"""The DeepSeek Shock: the book's small library.

Chapters are thin notebooks; what they compute lives here, with tests:

- ``catalog``  – which market series the book uses and where each comes from
- ``cache``    – the validated data cache under ``data/`` (load, manifest, checks)
- ``importer`` – builds the cache from the cross-checked raw files in ``../shared``
- ``refresh``  – rebuilds the cache from yfinance when a machine is online
- ``market``   – returns, market values, windows
- ``events``   – the event study (MacKinlay 1997)
- ``charts``   – one chart theme, offline rendering, source lines
- ``runner``   – executes chapters with papermill, reproducibly
"""
