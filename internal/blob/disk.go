package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tmpPrefix names files still being written; Open deletes any left by a crash.
const tmpPrefix = ".tmp-"

// Disk stores blobs as files under a directory: dir/ab/abcdef... (two hex
// characters of fan-out keep directories small).
type Disk struct {
	dir string
}

// OpenDisk opens (creating it if needed) a blob directory and removes the
// temporary files an interrupted write left behind.
func OpenDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	d := &Disk{dir: dir}
	if err := d.removeTemporaries(); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *Disk) removeTemporaries() error {
	return filepath.WalkDir(d.dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && strings.HasPrefix(e.Name(), tmpPrefix) {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("blob: removing orphan %s: %w", path, err)
			}
		}
		return nil
	})
}

func (d *Disk) path(id string) string { return filepath.Join(d.dir, id[:2], id) }

// Put implements Store.
func (d *Disk) Put(ctx context.Context, r io.Reader, opts PutOptions) (Info, error) {
	return d.write(ctx, opts, func(w io.Writer) error {
		return copyCtx(ctx, w, r)
	})
}

// Concat implements Store.
func (d *Disk) Concat(ctx context.Context, ids []string, opts PutOptions) (Info, error) {
	return d.write(ctx, opts, func(w io.Writer) error {
		for _, id := range ids {
			if !validID(id) {
				return ErrNotFound
			}
			f, err := os.Open(d.path(id))
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return ErrNotFound
				}
				return err
			}
			err = copyCtx(ctx, w, f)
			f.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// write runs fill against a temporary file while digesting, then fsyncs and
// renames it into place if fill and Verify succeed.
func (d *Disk) write(ctx context.Context, opts PutOptions, fill func(io.Writer) error) (info Info, err error) {
	if err := checkAlgorithms(opts.Algorithms); err != nil {
		return Info{}, err
	}
	tmp, err := os.CreateTemp(d.dir, tmpPrefix+"*")
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	dg := newDigester(opts, tmp)
	if err = fill(dg); err != nil {
		return Info{}, err
	}
	if err = ctx.Err(); err != nil {
		return Info{}, err
	}
	info = dg.info(newID())
	if opts.Verify != nil {
		if err = opts.Verify(info); err != nil {
			return Info{}, err
		}
	}
	if err = tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	final := d.path(info.ID)
	if err = os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	if err = os.Rename(tmp.Name(), final); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	// The rename is durable only once the directory holding it is synced.
	if err = syncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return Info{}, err
	}
	return info, nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Open implements Store.
func (d *Disk) Open(ctx context.Context, id string, offset, length int64) (io.ReadCloser, error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	f, err := os.Open(d.path(id))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("blob: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: %w", err)
	}
	offset, length, err = clampRange(st.Size(), offset, length)
	if err != nil {
		f.Close()
		return nil, err
	}
	return sectionCloser{io.NewSectionReader(f, offset, length), f}, nil
}

// ErrRange is returned by Open for an offset past the end of the blob.
var ErrRange = errors.New("blob: range not satisfiable")

func clampRange(size, offset, length int64) (int64, int64, error) {
	if offset < 0 || offset > size {
		return 0, 0, ErrRange
	}
	if length < 0 || offset+length > size {
		length = size - offset
	}
	return offset, length, nil
}

type sectionCloser struct {
	*io.SectionReader
	c io.Closer
}

func (s sectionCloser) Close() error { return s.c.Close() }

// Size implements Store.
func (d *Disk) Size(ctx context.Context, id string) (int64, error) {
	if !validID(id) {
		return 0, ErrNotFound
	}
	st, err := os.Stat(d.path(id))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, ErrNotFound
		}
		return 0, fmt.Errorf("blob: %w", err)
	}
	return st.Size(), nil
}

// Delete implements Store.
func (d *Disk) Delete(ctx context.Context, id string) error {
	if !validID(id) {
		return nil
	}
	if err := os.Remove(d.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// IDs calls fn for every stored blob ID (for sweeping blobs that no metadata
// refers to after a crash between the rename and the metadata commit).
func (d *Disk) IDs(fn func(id string) error) error {
	return filepath.WalkDir(d.dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && validID(e.Name()) {
			return fn(e.Name())
		}
		return nil
	})
}

// Close implements Store.
func (d *Disk) Close() error { return nil }
