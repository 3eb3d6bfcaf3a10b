"""The DeepSeek Shock: the book's small library.

Layers run downhill: ``chapters`` use ``analysis`` and ``site``; ``analysis`` uses ``data``;
nothing imports upward, and no chapter module imports another.

- ``data``      – what the world gave us, verified: ``catalog`` (the series and their origin),
                  ``cache`` (the verified store under ``data/``, its read log and ``CacheError``),
                  ``importer`` and ``refresh`` (build it from ../shared or yfinance), ``facts``
- ``analysis``  – what we compute from it: ``market`` (returns, market values), ``events`` (the
                  event study), ``costs`` (training and inference economics), ``claims`` (the ledger)
- ``chapters``  – one module per chapter (``ch1_shock`` … ``ch6_claims``): a ``Params`` and one
                  function per section returning what the section shows
- ``site``      – how it is shown: ``book`` (glue, tables, figures), ``charts`` (the one theme),
                  ``sphinxext``, ``environment``, ``outputs`` (a chapter's outputs as data)
- ``params``    – parameter checks; ``runner`` – executes chapters with papermill, in kernels
                  forked warm by ``kernels``; ``processes`` (children end with their parent);
                  ``paths``
"""
