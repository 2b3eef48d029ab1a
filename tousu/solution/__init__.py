"""Solution and compensation lines of a result, and the sign-offs their amount and grade require
before the result may be approved (SPEC §9; issue 14 part 2)."""
