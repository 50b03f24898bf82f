package model

import (
	"encoding/json"
	"fmt"
	"os/exec"
)

// SDKModule is the module whose files are doppel's source of truth: the
// service models (models/apis/...) and AWS's protocol test vectors
// (models/protocol_tests/...). Its version is pinned in go.mod, where the
// generator's blank import keeps it.
const SDKModule = "github.com/aws/aws-sdk-go"

// SDKDir returns the directory of the pinned SDKModule, downloading it into
// the module cache when it is not there yet (nothing doppel builds imports
// it, so a fresh machine may not have it).
func SDKDir() (dir, version string, err error) {
	out, err := exec.Command("go", "mod", "download", "-json", SDKModule).Output()
	if err != nil {
		return "", "", fmt.Errorf("go mod download %s: %w", SDKModule, err)
	}
	var m struct{ Dir, Version, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", "", fmt.Errorf("go mod download %s: %w", SDKModule, err)
	}
	if m.Error != "" || m.Dir == "" {
		return "", "", fmt.Errorf("go mod download %s: %s", SDKModule, m.Error)
	}
	return m.Dir, m.Version, nil
}
