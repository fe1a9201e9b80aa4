"""Theory: quadratic wells, Gaussian widths and Hessian spectra (the paper's section 4)."""
