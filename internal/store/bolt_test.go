package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestBoltFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doppel.db")
	s, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestBoltPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doppel.db")
	s, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(context.Background(), func(tx Tx) error { return tx.Put("t", "k", []byte("v")) })
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(context.Background(), func(tx Tx) error {
		if v, err := tx.Get("t", "k"); err != nil || string(v) != "v" {
			t.Errorf("after reopen: %q, %v", v, err)
		}
		return nil
	})
}

func TestBoltSecondOpenFailsFast(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doppel.db")
	s, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// flock locks belong to the open file, so a second open in this same
	// process conflicts just as another process would.
	_, err = OpenBolt(path, BoltOptions{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: got %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "another doppel") {
		t.Errorf("message does not say what is wrong: %v", err)
	}
	// Callers often assign the result to a Store and close it on error.
	var st Store
	st, _ = OpenBolt(path, BoltOptions{LockTimeout: time.Millisecond})
	if err := st.Close(); err != nil {
		t.Errorf("closing a failed open: %v", err)
	}
}

func TestBoltMigrations(t *testing.T) {
	var ran []string
	mig := func(name string, err error) Migration {
		return Migration{Name: name, Apply: func(tx Tx) error {
			ran = append(ran, name)
			if err != nil {
				return err
			}
			return tx.Put("migrations", name, []byte("done"))
		}}
	}
	v1, v2, v3 := mig("v1", nil), mig("v2", nil), mig("v3", nil)
	broken := mig("broken", errors.New("disk says no"))
	path := filepath.Join(t.TempDir(), "doppel.db")

	steps := []struct {
		name        string
		migs        []Migration
		wantRan     string
		wantErr     error  // errors.Is target
		wantErrText string // substring
		wantVersion int
	}{
		{"fresh database runs all", []Migration{v1, v2}, "v1 v2", nil, "", 2},
		{"reopen runs none", []Migration{v1, v2}, "", nil, "", 2},
		{"newer binary runs only the new one", []Migration{v1, v2, v3}, "v3", nil, "", 3},
		{"older binary is refused", []Migration{v1, v2}, "", ErrSchemaTooNew, "schema version 3, this doppel knows up to 2", 3},
		{"failed migration changes nothing", []Migration{v1, v2, v3, broken}, "broken", nil, "migration 4 (broken): disk says no", 3},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ran = nil
			s, err := openBolt(path, BoltOptions{}, st.migs)
			if got := strings.Join(ran, " "); got != st.wantRan {
				t.Errorf("ran %q, want %q", got, st.wantRan)
			}
			switch {
			case st.wantErr != nil && !errors.Is(err, st.wantErr):
				t.Fatalf("got %v, want %v", err, st.wantErr)
			case st.wantErrText != "" && (err == nil || !strings.Contains(err.Error(), st.wantErrText)):
				t.Fatalf("got %v, want it to say %q", err, st.wantErrText)
			case st.wantErr == nil && st.wantErrText == "" && err != nil:
				t.Fatal(err)
			}
			if s != nil {
				s.Close()
			}
			if got := storedVersion(t, path); got != st.wantVersion {
				t.Errorf("schema version %d, want %d", got, st.wantVersion)
			}
		})
	}
}

// storedVersion reads the schema version straight from the file; opening it
// also proves a failed OpenBolt released the lock.
func storedVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 50 * time.Millisecond, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	db.View(func(btx *bolt.Tx) error {
		v, _ = strconv.Atoi(string(btx.Bucket([]byte(metaBucket)).Get([]byte(metaSchemaKey))))
		return nil
	})
	return v
}

// TestBoltSurvivesKill runs a child process that commits Updates and reports
// each one acknowledged, kills it with SIGKILL mid-stream, and checks that
// every acknowledged Update is in the file.
func TestBoltSurvivesKill(t *testing.T) {
	if path := os.Getenv("DOPPEL_STORE_KILL_CHILD"); path != "" {
		killChild(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "doppel.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBoltSurvivesKill$")
	cmd.Env = append(os.Environ(), "DOPPEL_STORE_KILL_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := -1
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if n, ok := strings.CutPrefix(lines.Text(), "acked "); ok {
			acked, _ = strconv.Atoi(n)
			if acked >= 30 {
				break
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if acked < 30 {
		t.Fatalf("child acknowledged only %d updates", acked)
	}
	s, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatalf("reopening after kill -9: %v", err)
	}
	defer s.Close()
	s.View(context.Background(), func(tx Tx) error {
		for i := 0; i <= acked; i++ {
			if _, err := tx.Get("t", fmt.Sprintf("k%06d", i)); err != nil {
				t.Errorf("acknowledged update %d lost: %v", i, err)
			}
		}
		return nil
	})
}

func killChild(path string) {
	s, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		err := s.Update(context.Background(), func(tx Tx) error {
			return tx.Put("t", fmt.Sprintf("k%06d", i), []byte(strings.Repeat("x", 100)))
		})
		if err != nil {
			fmt.Println("update:", err)
			os.Exit(1)
		}
		fmt.Printf("acked %d\n", i)
	}
}
