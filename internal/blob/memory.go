package blob

import (
	"bytes"
	"context"
	"io"
	"sync"
)

// Memory keeps blobs in memory, for --in-memory mode and tests. Blobs are
// immutable byte slices, so readers never see a later write.
type Memory struct {
	mu    sync.RWMutex
	blobs map[string][]byte
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{blobs: map[string][]byte{}} }

// Put implements Store.
func (m *Memory) Put(ctx context.Context, r io.Reader, opts PutOptions) (Info, error) {
	return m.write(ctx, opts, func(w io.Writer) error {
		return copyCtx(ctx, w, r)
	})
}

// Concat implements Store.
func (m *Memory) Concat(ctx context.Context, ids []string, opts PutOptions) (Info, error) {
	m.mu.RLock()
	parts := make([][]byte, len(ids))
	for i, id := range ids {
		b, ok := m.blobs[id]
		if !ok {
			m.mu.RUnlock()
			return Info{}, ErrNotFound
		}
		parts[i] = b
	}
	m.mu.RUnlock()
	opts.Size = 0
	for _, p := range parts {
		opts.Size += int64(len(p))
	}
	return m.write(ctx, opts, func(w io.Writer) error {
		for _, p := range parts {
			if _, err := w.Write(p); err != nil {
				return err
			}
		}
		return nil
	})
}

func (m *Memory) write(ctx context.Context, opts PutOptions, fill func(io.Writer) error) (Info, error) {
	b, info, err := readAll(ctx, opts, newID(), fill)
	if err != nil {
		return Info{}, err
	}
	m.mu.Lock()
	m.blobs[info.ID] = b
	m.mu.Unlock()
	return info, nil
}

// Read reads r whole into memory, digesting and verifying it as Put does,
// without storing it anywhere: for content small enough that its user keeps
// it in a metadata record instead of a blob of its own. Info.ID is "".
func Read(ctx context.Context, r io.Reader, opts PutOptions) ([]byte, Info, error) {
	return readAll(ctx, opts, "", func(w io.Writer) error {
		return copyCtx(ctx, w, r)
	})
}

// readAll runs fill against a buffer while digesting, and returns the bytes
// and their Info (with ID id) if fill and Verify succeed.
func readAll(ctx context.Context, opts PutOptions, id string, fill func(io.Writer) error) ([]byte, Info, error) {
	if err := checkAlgorithms(opts.Algorithms); err != nil {
		return nil, Info{}, err
	}
	buf := sizedBuffer{hint: opts.Size}
	dg := newDigester(opts, &buf)
	if err := fill(dg); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	info := dg.info(id)
	if opts.Verify != nil {
		if err := opts.Verify(info); err != nil {
			return nil, Info{}, err
		}
	}
	return buf.b, info, nil
}

// Open implements Store.
func (m *Memory) Open(ctx context.Context, id string, offset, length int64) (io.ReadCloser, error) {
	m.mu.RLock()
	b, ok := m.blobs[id]
	m.mu.RUnlock()
	if !ok {
		return nil, ErrNotFound
	}
	return OpenBytes(b, offset, length)
}

// OpenBytes opens length bytes of b from offset (length < 0: to the end),
// as Open does a blob holding b: for content kept outside a Store (see
// Read).
func OpenBytes(b []byte, offset, length int64) (io.ReadCloser, error) {
	offset, length, err := clampRange(int64(len(b)), offset, length)
	if err != nil {
		return nil, err
	}
	r := &memReader{}
	r.Reset(b[offset : offset+length])
	return r, nil
}

// memReader is a blob being read: a bytes.Reader that closes, in one
// allocation (io.NopCloser around a *bytes.Reader takes two).
type memReader struct{ bytes.Reader }

func (*memReader) Close() error { return nil }

// Size implements Store.
func (m *Memory) Size(ctx context.Context, id string) (int64, error) {
	m.mu.RLock()
	b, ok := m.blobs[id]
	m.mu.RUnlock()
	if !ok {
		return 0, ErrNotFound
	}
	return int64(len(b)), nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, id string) error {
	m.mu.Lock()
	delete(m.blobs, id)
	m.mu.Unlock()
	return nil
}

// Len reports how many blobs are stored (tests use it to see that a failed
// write left nothing behind).
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.blobs)
}

// Close implements Store.
func (m *Memory) Close() error { return nil }

// firstAlloc bounds what an announced size alone makes Memory allocate: a
// client can claim gigabytes in Content-Length without sending them, so the
// full size is allocated only once this many bytes have arrived.
const firstAlloc = 8 << 20

// sizedBuffer collects a blob's bytes. With a size hint it grows at most
// twice (to min(hint, firstAlloc), then to hint) instead of doubling, which
// for a 64 MiB object cost a chain of copies and up to twice the memory;
// without one, or past it, it grows by doubling like bytes.Buffer.
type sizedBuffer struct {
	b    []byte
	hint int64
}

func (w *sizedBuffer) Write(p []byte) (int, error) {
	need := len(w.b) + len(p)
	if need > cap(w.b) {
		var c int
		switch {
		case w.hint > 0 && int64(need) <= w.hint && cap(w.b) == 0:
			c = max(need, int(min(w.hint, firstAlloc)))
		case w.hint > 0 && int64(need) <= w.hint:
			c = int(w.hint)
		default:
			c = max(need, 2*cap(w.b), 512)
		}
		nb := make([]byte, len(w.b), c)
		copy(nb, w.b)
		w.b = nb
	}
	w.b = append(w.b, p...)
	return len(p), nil
}
