package console

// MaxSessions is the size of each session pool, for the flood test.
const MaxSessions = maxSessions
