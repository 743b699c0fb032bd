//! Property tests over random sequences of operations and clock steps.
