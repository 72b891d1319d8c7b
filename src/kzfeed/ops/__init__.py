"""Operations around runs: the run lock, rounds and leases, schedules, retention."""
