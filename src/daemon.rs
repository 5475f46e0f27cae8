//! The daemon: the one place that spawns tasks, wires channels, reloads and shuts down.
