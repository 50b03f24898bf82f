package blob

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stores runs a test against both implementations. count reports how many
// files or blobs (finished or temporary) the store holds, to prove that
// failed writes leave nothing behind.
func stores(t *testing.T, fn func(t *testing.T, s Store, count func() int)) {
	t.Run("disk", func(t *testing.T) {
		dir := t.TempDir()
		d, err := OpenDisk(dir)
		if err != nil {
			t.Fatal(err)
		}
		fn(t, d, func() int { return countFiles(t, dir) })
	})
	t.Run("memory", func(t *testing.T) {
		m := NewMemory()
		fn(t, m, m.Len)
	})
}

func countFiles(t *testing.T, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestChecksums(t *testing.T) {
	// Check values of the catalogue of parametrised CRC algorithms for the
	// input "123456789"; SHA values are the well-known ones.
	tests := []struct {
		alg  Algorithm
		want string // hex
	}{
		{CRC32, "cbf43926"},
		{CRC32C, "e3069283"},
		{CRC64NVME, "ae8b14860a799888"},
		{SHA1, "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		{SHA256, "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"},
	}
	stores(t, func(t *testing.T, s Store, _ func() int) {
		for _, tc := range tests {
			t.Run(string(tc.alg), func(t *testing.T) {
				info, err := s.Put(context.Background(), strings.NewReader("123456789"), PutOptions{Algorithms: []Algorithm{tc.alg}})
				if err != nil {
					t.Fatal(err)
				}
				if got := hex.EncodeToString(info.Checksums[tc.alg]); got != tc.want {
					t.Errorf("%s = %s, want %s", tc.alg, got, tc.want)
				}
				if got := info.MD5Hex(); got != "25f9e794323b453885f5181f1b624d0b" {
					t.Errorf("MD5 = %s", got)
				}
				if info.Size != 9 {
					t.Errorf("Size = %d", info.Size)
				}
			})
		}
	})
}

func TestChecksumBase64(t *testing.T) {
	// S3 sends the CRC32 of "hello" as base64 of its big-endian bytes.
	s := NewMemory()
	info, err := s.Put(context.Background(), strings.NewReader("hello"), PutOptions{Algorithms: []Algorithm{CRC32, SHA256}})
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Checksum(CRC32); got != "NhCmhg==" {
		t.Errorf("CRC32 = %s, want NhCmhg==", got)
	}
	if got := info.Checksum(SHA256); got != "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=" {
		t.Errorf("SHA256 = %s", got)
	}
	if got := info.Checksum(SHA1); got != "" {
		t.Errorf("SHA1 not requested, got %q", got)
	}
}

func TestParseAlgorithm(t *testing.T) {
	tests := []struct {
		in   string
		want Algorithm
		ok   bool
	}{
		{"crc32", CRC32, true},
		{"CRC32C", CRC32C, true},
		{"crc64nvme", CRC64NVME, true},
		{"Sha256", SHA256, true},
		{"md5", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseAlgorithm(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseAlgorithm(%q) = %q, %v", tc.in, got, ok)
			}
		})
	}
}

// failingReader yields its data, then fails at EOF, as the SigV4 layer's body
// reader does when the payload hash does not match.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestPutNothingStoredOnFailure(t *testing.T) {
	errSig := errors.New("signature mismatch")
	errDigest := errors.New("BadDigest")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	data := func() io.Reader { return strings.NewReader("data") }
	tests := []struct {
		name string
		ctx  context.Context
		body func() io.Reader
		opts PutOptions
		want error
	}{
		{"body fails at EOF", context.Background(), func() io.Reader { return &failingReader{strings.NewReader("data"), errSig} }, PutOptions{}, errSig},
		{"verify refuses", context.Background(), data, PutOptions{Verify: func(Info) error { return errDigest }}, errDigest},
		{"too large", context.Background(), data, PutOptions{MaxSize: 3}, ErrTooLarge},
		{"context canceled", canceled, data, PutOptions{}, context.Canceled},
	}
	stores(t, func(t *testing.T, s Store, count func() int) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.Put(tc.ctx, tc.body(), tc.opts)
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				if n := count(); n != 0 {
					t.Errorf("%d files left after a failed write", n)
				}
			})
		}
	})
}

func TestOpenRanges(t *testing.T) {
	const content = "0123456789"
	tests := []struct {
		name           string
		offset, length int64
		want           string
		err            error
	}{
		{"whole", 0, -1, content, nil},
		{"first bytes", 0, 3, "012", nil},
		{"middle", 4, 2, "45", nil},
		{"length past end is clamped", 8, 100, "89", nil},
		{"offset at end", 10, -1, "", nil},
		{"offset past end", 11, -1, "", ErrRange},
		{"negative offset", -1, 2, "", ErrRange},
	}
	stores(t, func(t *testing.T, s Store, _ func() int) {
		info, err := s.Put(context.Background(), strings.NewReader(content), PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rc, err := s.Open(context.Background(), info.ID, tc.offset, tc.length)
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				if err != nil {
					return
				}
				defer rc.Close()
				got, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			})
		}
	})
}

func TestMissingAndDelete(t *testing.T) {
	stores(t, func(t *testing.T, s Store, count func() int) {
		ctx := context.Background()
		for _, id := range []string{"00000000000000000000000000000000", "../../etc/passwd", ""} {
			if _, err := s.Open(ctx, id, 0, -1); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open(%q) err = %v, want ErrNotFound", id, err)
			}
			if _, err := s.Size(ctx, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("Size(%q) err = %v, want ErrNotFound", id, err)
			}
			if err := s.Delete(ctx, id); err != nil {
				t.Errorf("Delete(%q) = %v, want nil", id, err)
			}
		}
		info, err := s.Put(ctx, strings.NewReader("abc"), PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// A reader opened before Delete still reads the old bytes.
		rc, err := s.Open(ctx, info.ID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, info.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != "abc" {
			t.Errorf("open reader after delete read %q", got)
		}
		if _, err := s.Size(ctx, info.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Size after delete err = %v", err)
		}
		if n := count(); n != 0 {
			t.Errorf("%d blobs left after delete", n)
		}
	})
}

func TestConcat(t *testing.T) {
	stores(t, func(t *testing.T, s Store, _ func() int) {
		ctx := context.Background()
		var ids []string
		for _, p := range []string{"hello ", "multipart ", "world"} {
			info, err := s.Put(ctx, strings.NewReader(p), PutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, info.ID)
		}
		info, err := s.Concat(ctx, ids, PutOptions{Algorithms: []Algorithm{CRC64NVME}})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := s.Put(ctx, strings.NewReader("hello multipart world"), PutOptions{Algorithms: []Algorithm{CRC64NVME}})
		if info.Size != 21 || info.MD5Hex() != want.MD5Hex() || info.Checksum(CRC64NVME) != want.Checksum(CRC64NVME) {
			t.Errorf("concat info %+v, want digests of %+v", info, want)
		}
		rc, err := s.Open(ctx, info.ID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != "hello multipart world" {
			t.Errorf("concat content %q", got)
		}
		if _, err := s.Concat(ctx, []string{ids[0], "ffffffffffffffffffffffffffffffff"}, PutOptions{}); !errors.Is(err, ErrNotFound) {
			t.Errorf("concat of a missing part err = %v", err)
		}
	})
}

func TestOpenDiskRemovesOrphans(t *testing.T) {
	dir := t.TempDir()
	d, err := OpenDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := d.Put(context.Background(), strings.NewReader("kept"), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// What a crash mid-write leaves: temporary files, at the top and (from
	// older layouts or manual copies) below.
	for _, p := range []string{tmpPrefix + "123", filepath.Join(info.ID[:2], tmpPrefix+"456")} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("torn"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := OpenDisk(dir); err != nil {
		t.Fatal(err)
	}
	if n := countFiles(t, dir); n != 1 {
		t.Errorf("%d files after reopen, want only the finished blob", n)
	}
	var ids []string
	d.IDs(func(id string) error { ids = append(ids, id); return nil })
	if len(ids) != 1 || ids[0] != info.ID {
		t.Errorf("IDs = %v, want [%s]", ids, info.ID)
	}
}

func BenchmarkPut1KiB(b *testing.B) {
	data := bytes.Repeat([]byte("x"), 1024)
	run := func(b *testing.B, s Store) {
		b.ReportAllocs()
		b.SetBytes(1024)
		for b.Loop() {
			if _, err := s.Put(context.Background(), bytes.NewReader(data), PutOptions{Algorithms: []Algorithm{CRC32}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("disk", func(b *testing.B) {
		d, err := OpenDisk(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		run(b, d)
	})
	b.Run("memory", func(b *testing.B) { run(b, NewMemory()) })
}

func BenchmarkGet1KiB(b *testing.B) {
	data := bytes.Repeat([]byte("x"), 1024)
	run := func(b *testing.B, s Store) {
		info, err := s.Put(context.Background(), bytes.NewReader(data), PutOptions{})
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 2048)
		b.ReportAllocs()
		b.SetBytes(1024)
		for b.Loop() {
			rc, err := s.Open(context.Background(), info.ID, 0, -1)
			if err != nil {
				b.Fatal(err)
			}
			if n, _ := io.ReadFull(rc, buf); n != 1024 {
				b.Fatalf("read %d bytes", n)
			}
			rc.Close()
		}
	}
	b.Run("disk", func(b *testing.B) {
		d, err := OpenDisk(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		run(b, d)
	})
	b.Run("memory", func(b *testing.B) { run(b, NewMemory()) })
}

// TestSizedBuffer: with a size hint the buffer is allocated at most twice
// and ends exactly as large as the hint; without one, or past it, it still
// takes every byte.
func TestSizedBuffer(t *testing.T) {
	const write = 32 << 10 // what copyCtx hands over at a time
	tests := []struct {
		name       string
		hint, size int
		wantCap    int // 0: only check the content
		maxAllocs  int
	}{
		{"no hint", 0, 100 << 10, 0, 10},
		{"exact small hint", 100 << 10, 100 << 10, 100 << 10, 1},
		{"exact large hint", firstAlloc + 3*write, firstAlloc + 3*write, firstAlloc + 3*write, 2},
		{"hint larger than body", 1 << 20, 10, 1 << 20, 1},
		{"hint far larger than body allocates firstAlloc at most", 5 << 30, 10, firstAlloc, 1},
		{"body longer than hint", 10, 100 << 10, 0, 10},
		{"empty body", 0, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
			w := sizedBuffer{hint: int64(tc.hint)}
			allocs, lastCap := 0, 0
			for off := 0; off < len(data); off += write {
				if _, err := w.Write(data[off:min(off+write, len(data))]); err != nil {
					t.Fatal(err)
				}
				if cap(w.b) != lastCap {
					allocs, lastCap = allocs+1, cap(w.b)
				}
			}
			if !bytes.Equal(w.b, data) {
				t.Fatalf("buffer holds %d bytes, not the %d written", len(w.b), len(data))
			}
			if tc.wantCap != 0 && cap(w.b) != tc.wantCap {
				t.Errorf("cap = %d, want %d", cap(w.b), tc.wantCap)
			}
			if allocs > tc.maxAllocs {
				t.Errorf("%d allocations, want at most %d", allocs, tc.maxAllocs)
			}
		})
	}
}

// TestMemoryPutSizeHint: a wrong hint changes nothing a reader sees.
func TestMemoryPutSizeHint(t *testing.T) {
	data := bytes.Repeat([]byte("doppel"), 20000)
	for _, hint := range []int64{0, 1, int64(len(data)), int64(len(data)) + 7, 1 << 40} {
		m := NewMemory()
		info, err := m.Put(context.Background(), bytes.NewReader(data), PutOptions{Size: hint, Algorithms: []Algorithm{CRC64NVME}})
		if err != nil {
			t.Fatalf("hint %d: %v", hint, err)
		}
		rc, err := m.Open(context.Background(), info.ID, 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		if !bytes.Equal(got, data) || info.Size != int64(len(data)) {
			t.Errorf("hint %d: read %d bytes (size %d), want %d", hint, len(got), info.Size, len(data))
		}
	}
}

// BenchmarkMemoryPut64MiB: "unknown-size" grows by doubling as before
// PutOptions.Size existed; "known-size" is a PutObject with Content-Length.
func BenchmarkMemoryPut64MiB(b *testing.B) {
	data := bytes.Repeat([]byte("x"), 64<<20)
	for _, tc := range []struct {
		name string
		size int64
	}{{"unknown-size", 0}, {"known-size", int64(len(data))}} {
		b.Run(tc.name, func(b *testing.B) {
			m := NewMemory()
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				// A plain reader, as an HTTP body is: copyCtx then
				// writes 32 KiB at a time.
				info, err := m.Put(context.Background(), struct{ io.Reader }{bytes.NewReader(data)}, PutOptions{Size: tc.size, Algorithms: []Algorithm{CRC64NVME}})
				if err != nil {
					b.Fatal(err)
				}
				m.Delete(context.Background(), info.ID)
			}
		})
	}
}

// TestRead: Read digests and verifies like Put, and fails the same way.
func TestRead(t *testing.T) {
	errSig := errors.New("signature mismatch")
	errDigest := errors.New("BadDigest")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		body    io.Reader
		opts    PutOptions
		want    string
		wantErr error
	}{
		{"content and checksums", context.Background(), strings.NewReader("123456789"), PutOptions{Algorithms: []Algorithm{CRC32, SHA256}, Size: 9}, "123456789", nil},
		{"empty", context.Background(), strings.NewReader(""), PutOptions{Algorithms: []Algorithm{CRC64NVME}}, "", nil},
		{"longer than the size hint", context.Background(), strings.NewReader("0123456789"), PutOptions{Size: 2}, "0123456789", nil},
		{"body fails at EOF", context.Background(), &failingReader{strings.NewReader("data"), errSig}, PutOptions{}, "", errSig},
		{"verify refuses", context.Background(), strings.NewReader("data"), PutOptions{Verify: func(Info) error { return errDigest }}, "", errDigest},
		{"too large", context.Background(), strings.NewReader("data"), PutOptions{MaxSize: 3}, "", ErrTooLarge},
		{"context canceled", canceled, strings.NewReader("data"), PutOptions{}, "", context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, info, err := Read(tc.ctx, tc.body, tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			if string(got) != tc.want || info.ID != "" || info.Size != int64(len(tc.want)) {
				t.Errorf("Read = %q, ID %q, size %d", got, info.ID, info.Size)
			}
			// The digests are those Put computes for the same content.
			want, err := NewMemory().Put(context.Background(), strings.NewReader(tc.want), PutOptions{Algorithms: tc.opts.Algorithms})
			if err != nil {
				t.Fatal(err)
			}
			if info.MD5Hex() != want.MD5Hex() {
				t.Errorf("MD5 %s, want %s", info.MD5Hex(), want.MD5Hex())
			}
			for _, a := range tc.opts.Algorithms {
				if info.Checksum(a) != want.Checksum(a) || info.Checksum(a) == "" {
					t.Errorf("%s = %q, want %q", a, info.Checksum(a), want.Checksum(a))
				}
			}
		})
	}
}
