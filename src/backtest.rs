//! `sturmglas backtest`: replays history through the same core with a simulated clock.
