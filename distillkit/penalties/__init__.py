"""Smoothness penalties of the teacher: the Jacobian penalty (paper eq. 3) and Lipschitz variants."""
