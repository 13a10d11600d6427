"""Audience: the synthetic subscriber base, data preparation, targeting models, uplift and the control group.

Customer data travels as a :class:`~runtime.audience.frame.Frame` (named NumPy columns) so a
million customers fit in memory and every step stays vectorised; only audiences (the chosen
customers) and model versions go to the database.
"""
