package identity

import "fmt"

// MarshalText writes a Kind by name, so stored records and sealed tokens do
// not depend on the order of the constants.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a Kind written by MarshalText.
func (k *Kind) UnmarshalText(b []byte) error {
	for _, c := range []Kind{Anonymous, Root, User, AssumedRole, FederatedUser} {
		if string(b) == c.String() {
			*k = c
			return nil
		}
	}
	return fmt.Errorf("identity: unknown principal kind %q", b)
}
