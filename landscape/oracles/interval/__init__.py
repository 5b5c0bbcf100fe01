"""Validated numerics: proofs about critical points with Arb ball arithmetic (python-flint).

``jets`` carries value, gradient and Hessian through a loss in ball arithmetic; ``forms`` writes
the catalogue's loss families in it; ``krawczyk`` proves that a unique critical point exists in
a box; ``proofs`` proves its class (strict minimum, Morse-Bott minimum, strict saddle,
sub-optimality) and ``checks`` makes each proof a replayable certificate check.
"""
