r"""Eliminating bad local minima (seed 001 §VI-A, §VI-B, §VI-C and Claim VII.1).

Theorems (all ``holds``), falsified variants at the end:

* ``full-rank-features-global`` (Claims VI.1, VI.2): at a critical point where the last hidden
  layer's features Z_L(X) (d_L x n) have full column rank n, the loss is 0, the global minimum
  (the last layer alone can fit any Y).  "Full rank" is read as rank n: for d_L < n a full
  *row* rank does not help (a narrow net's least-squares residual is generally positive).
  Checked at every refined critical point of a multi-start search with the residual bound of
  ``modifications_checks``; Claim VI.2 (density) at the random starts, for activations whose
  derivatives sigma^(k)(0), k < n, are all non-zero (decided exactly by sympy).
* ``ntk-full-rank-critical-global`` (Claim VI.3, Claim VII.1): scalar output, squared loss; a
  critical point with full-rank G(theta) has zero loss, with ||e|| <= (n/2)||grad F||/sigma_min(G);
  and along fixed-step GD runs from Xavier starts with lambda_min(G^T G(theta(k))) >= c > 0 at
  every iterate, a critical end point has zero loss (Claim VII.1; see
  :mod:`~landscape.theorems.modifications.ntk_trajectories`).
* ``exponential-neuron-no-bad-min`` (Thm VI.1, under Liang et al.'s loss assumption: the
  polynomial hinge, on a ReLU net whose L_n has certified bad minima): see
  :func:`exponential_check`; with the seed's logistic loss part (i) fails (a variant).
* ``requ-cubic-regulariser-coercive`` (Thm VI.2): see :func:`requ_check`; its minima next to ReQU
  kinks are certified by :mod:`landscape.oracles.requ_minimum`.
"""
