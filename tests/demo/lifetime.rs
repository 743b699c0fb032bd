//! Rule 4: lifetime (spin-down) and cold starts, under a virtual clock.
