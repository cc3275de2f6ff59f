"""The actions of the two-factor app, one module a feature: ``activity`` (records),
``codes`` (verification, back-off, lock, replay), ``authenticators`` (add, rename, remove),
``browsers`` (trust, revoke) and ``resets`` (resets and reset requests). Each action is one
transaction and records its activity; reads are in ``twofactor.selectors``."""
