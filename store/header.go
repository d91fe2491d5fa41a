package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// The on-disk layout of a bbolt file that checkHeader reads (bbolt's
// internal/common: page.go, meta.go), little-endian as bbolt writes it on
// every platform Go's ecsmedic builds for.
const (
	pageHeaderSize   = 16 // id u64, flags u16, count u16, overflow u32
	metaSize         = 64 // magic … txid, then the checksum u64 at 56
	metaChecksumAt   = 56
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	noFreelist       = ^uint64(0)
	maxPageSize      = 1 << 24 // bbolt looks for page sizes up to 16 MiB
	minPageSize      = 1 << 10
)

type meta struct {
	pageSize uint64
	root     uint64
	freelist uint64
	pgid     uint64 // high water mark: pages [0, pgid) are in use
	txid     uint64
}

// checkHeader is the cheap check made on every open, before bbolt maps the
// file: bbolt trusts its header and, when the file is shorter than the
// header says (a truncated copy, a full disk), reads past its end and the
// process dies of SIGBUS, which no recover catches. It reads the two meta
// pages, the root page's header and the freelist: a few KiB, whatever the
// size of the store. The full walk is Check.
//
// It returns nil for a sound header, or a *DamagedError.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening the store at %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading the store at %s: %w", path, err)
	}
	size := st.Size()
	damaged := func(what string) error { return &DamagedError{Path: path, What: what} }
	if size == 0 {
		return damaged("it is empty (0 bytes), but a store file that exists is never empty: it was truncated or never finished writing")
	}
	m0, err0 := readMeta(f, 0)
	var m1 meta
	err1 := errors.New("no second header page")
	if err0 == nil {
		m1, err1 = readMeta(f, int64(m0.pageSize))
	} else {
		// Page 0 is unreadable: look for page 1 at each page size bbolt allows.
		for ps := int64(minPageSize); ps <= maxPageSize && ps < size; ps *= 2 {
			if m1, err1 = readMeta(f, ps); err1 == nil && int64(m1.pageSize) == ps {
				break
			}
			err1 = errors.New("no valid second header page")
		}
	}
	var m meta
	switch {
	case err0 != nil && err1 != nil:
		return damaged(fmt.Sprintf("it is not an ecsmedic store, or both of its header pages are damaged (%v)", err0))
	case err0 != nil:
		m = m1
	case err1 != nil:
		m = m0
	case m1.txid > m0.txid:
		m = m1
	default:
		m = m0
	}
	if want := int64(m.pgid) * int64(m.pageSize); want > size {
		return damaged(fmt.Sprintf("it is truncated: its header says it holds %d bytes, but the file has only %d", want, size))
	}
	if m.root < 2 || m.root >= m.pgid {
		return damaged(fmt.Sprintf("its header names page %d as the root, outside its %d pages", m.root, m.pgid))
	}
	if flags, _, err := pageHeader(f, m, m.root); err != nil {
		return damaged(err.Error())
	} else if flags != branchPageFlag && flags != leafPageFlag {
		return damaged(fmt.Sprintf("its root page %d is not a tree page (flags %#x)", m.root, flags))
	}
	if m.freelist == noFreelist {
		return nil
	}
	if m.freelist < 2 || m.freelist >= m.pgid {
		return damaged(fmt.Sprintf("its header names page %d as the list of free pages, outside its %d pages", m.freelist, m.pgid))
	}
	return checkFreelist(f, m, damaged)
}

// readMeta reads and validates the meta page at off.
func readMeta(f io.ReaderAt, off int64) (meta, error) {
	var buf [pageHeaderSize + metaSize]byte
	if _, err := f.ReadAt(buf[:], off); err != nil {
		return meta{}, fmt.Errorf("the header page at byte %d cannot be read: %w", off, err)
	}
	b := buf[pageHeaderSize:]
	le := binary.LittleEndian
	if le.Uint32(b[0:]) != boltMagic {
		return meta{}, errors.New("no bbolt signature")
	}
	if v := le.Uint32(b[4:]); v != boltVersion {
		return meta{}, fmt.Errorf("bbolt file format version %d, not %d", v, boltVersion)
	}
	h := fnv.New64a()
	_, _ = h.Write(b[:metaChecksumAt])
	if h.Sum64() != le.Uint64(b[metaChecksumAt:]) {
		return meta{}, errors.New("the header's checksum does not match")
	}
	m := meta{
		pageSize: uint64(le.Uint32(b[8:])),
		root:     le.Uint64(b[16:]),
		freelist: le.Uint64(b[32:]),
		pgid:     le.Uint64(b[40:]),
		txid:     le.Uint64(b[48:]),
	}
	if m.pageSize < minPageSize || m.pageSize > maxPageSize || m.pageSize&(m.pageSize-1) != 0 {
		return meta{}, fmt.Errorf("a page size of %d bytes", m.pageSize)
	}
	return m, nil
}

// pageHeader reads the header of page id and checks that the page, with
// its overflow, lies inside the high water mark.
func pageHeader(f io.ReaderAt, m meta, id uint64) (flags uint16, count int, err error) {
	var h [pageHeaderSize]byte
	if _, err := f.ReadAt(h[:], int64(id*m.pageSize)); err != nil {
		return 0, 0, fmt.Errorf("page %d cannot be read: %w", id, err)
	}
	le := binary.LittleEndian
	if got := le.Uint64(h[0:]); got != id {
		return 0, 0, fmt.Errorf("page %d says it is page %d", id, got)
	}
	if overflow := uint64(le.Uint32(h[12:])); id+overflow >= m.pgid {
		return 0, 0, fmt.Errorf("page %d runs %d pages past the end of the store", id, id+overflow-m.pgid+1)
	}
	return le.Uint16(h[8:]), int(le.Uint16(h[10:])), nil
}

// checkFreelist checks that every page the freelist names is inside the
// store and named once: bbolt panics on either when it next writes.
func checkFreelist(f io.ReaderAt, m meta, damaged func(string) error) error {
	flags, count, err := pageHeader(f, m, m.freelist)
	if err != nil {
		return damaged(err.Error())
	}
	if flags != freelistPageFlag {
		return damaged(fmt.Sprintf("page %d should hold the list of free pages, but its flags are %#x", m.freelist, flags))
	}
	off := int64(m.freelist*m.pageSize) + pageHeaderSize
	var w [8]byte
	n := uint64(count)
	if count == 0xFFFF { // more than 64k ids: the first one is the count
		if _, err := f.ReadAt(w[:], off); err != nil {
			return damaged(fmt.Sprintf("the list of free pages cannot be read: %v", err))
		}
		n, off = binary.LittleEndian.Uint64(w[:]), off+8
	}
	if n > m.pgid {
		return damaged(fmt.Sprintf("the list of free pages names %d pages, more than the %d in the store", n, m.pgid))
	}
	ids := make([]byte, n*8)
	if _, err := f.ReadAt(ids, off); err != nil {
		return damaged(fmt.Sprintf("the list of free pages cannot be read: %v", err))
	}
	seen := make(map[uint64]bool, n)
	for i := range n {
		id := binary.LittleEndian.Uint64(ids[i*8:])
		switch {
		case id < 2 || id >= m.pgid:
			return damaged(fmt.Sprintf("the list of free pages names page %d, outside its %d pages", id, m.pgid))
		case seen[id]:
			return damaged(fmt.Sprintf("the list of free pages names page %d twice", id))
		}
		seen[id] = true
	}
	return nil
}
