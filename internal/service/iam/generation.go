package iam

// PolicyGeneration moves whenever IAM's state changes (users, groups, roles,
// policies, attachments, tags), and only then: the authorizer caches each
// principal's compiled policies until it moves, so S3 writes do not empty
// that cache.
func (s *Service) PolicyGeneration() uint64 { return s.store.TableGeneration(table) }
