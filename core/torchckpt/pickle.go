package torchckpt

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
)

// The pickle opcodes this reader understands: what torch.save writes for a
// dict of tensors, numbers, strings, lists and OmegaConf configs, under
// protocols 2 to 5. Anything else is an error naming the byte.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opNone           = 'N'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opBinInt2        = 'M'
	opBinFloat       = 'G'
	opBinUnicode     = 'X'
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opEmptyDict      = '}'
	opDict           = 'd'
	opEmptyList      = ']'
	opList           = 'l'
	opEmptyTuple     = ')'
	opTuple          = 't'
	opAppend         = 'a'
	opAppends        = 'e'
	opSetItem        = 's'
	opSetItems       = 'u'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opBinGet         = 'h'
	opLongBinGet     = 'j'
	opGlobal         = 'c'
	opReduce         = 'R'
	opBuild          = 'b'
	opBinPersID      = 'Q'
	opProto          = 0x80
	opNewObj         = 0x81
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
	opHighestVersion = 5
)

// opWidth is the byte width of an opcode's integer or length operand.
var opWidth = [256]int{
	opBinInt1: 1, opBinInt2: 2, opBinInt: 4,
	opShortBinUni: 1, opBinUnicode: 4, opBinUnicode8: 8,
	opShortBinBytes: 1, opBinBytes: 4,
	opBinPut: 1, opLongBinPut: 4, opBinGet: 1, opLongBinGet: 4,
}

// The limits of the machine. A model checkpoint's pickle nests a few
// levels (a state dict of tensors, a config of a few sections) and its
// values take a few times its size in memory; these bounds are far above
// that and far below what would exhaust the Go stack or the machine.
const (
	// maxDepth bounds how deeply values nest (a tuple in a tuple in ...)
	// and MARKs stack up: Go code that prints or walks a value recurses
	// once per level, and a recursion ten million deep is a fatal stack
	// overflow that no recover catches.
	maxDepth = 200
	// budgetFloor and budgetPerByte set the unpickler's memory budget
	// from the bytes data.pkl takes in the file (budgetFor): deflate
	// inflates up to a thousand times, so 61 kB can hold 63 million
	// EMPTY_DICT opcodes, and the budget must follow what the file really
	// holds, not what it expands to.
	budgetFloor   = 8 << 20
	budgetPerByte = 64
)

// What each value is charged against the budget, in bytes: what it takes
// in Go memory with its share of slice and map overhead, rounded up. The
// unpickler charges everything it makes live and refunds nothing, so the
// charges bound both the memory and the number of objects.
const (
	costSlot   = 24 // a stack slot or a list or tuple item
	costEntry  = 80 // a dict or memo entry: key, value and hash index
	costObject = 64 // a dict, list, object, tensor or storage
)

// budgetFor is the memory budget of a pickle that takes stored bytes in the
// file.
func budgetFor(stored int64) int64 { return budgetFloor + budgetPerByte*stored }

// persistentLoader resolves BINPERSID ids (torch's storage references).
type persistentLoader func(pid any) (any, error)

// slot is a value on the stack or in the memo. Tuples are immutable, so
// their nesting depth travels with them here; the mutable containers
// (Dict, List, Object) keep theirs in themselves, since APPEND, SETITEM and
// BUILD change them after they are memoised.
type slot struct {
	v     any
	depth int
}

// depthOf is how deeply the value nests: 0 for a scalar, 1 for a container
// of scalars, and so on. A container's depth is fixed by what it holds
// when items are added; a container filled after it was put inside
// another (through the memo) does not deepen its holders, but each such
// level costs an object, so the budget bounds those chains, and they
// consist of pointers, which fmt does not follow and Plain bounds.
func depthOf(s slot) int {
	switch x := s.v.(type) {
	case *Dict:
		return x.depth
	case *List:
		return x.depth
	case *Object:
		return x.depth
	}
	return s.depth
}

// unpickler is the restricted pickle machine over an in-memory pickle.
type unpickler struct {
	b       []byte
	pos     int
	stack   []slot
	marks   []int // stack heights at each MARK
	memo    map[uint32]slot
	persist persistentLoader
	budget  int64 // bytes still allowed, see costSlot
	limit   int64 // the whole budget, for the message
}

// unpickle runs the pickle in b and returns its single result, within a
// memory budget of budget bytes (budgetFor).
func unpickle(b []byte, persist persistentLoader, budget int64) (any, error) {
	u := &unpickler{b: b, memo: map[uint32]slot{}, persist: persist, budget: budget, limit: budget}
	v, err := u.run()
	if err != nil {
		return nil, fmt.Errorf("pickle byte %d: %v", u.pos, err)
	}
	return v, nil
}

// charge takes n bytes from the budget.
func (u *unpickler) charge(n int64) error {
	if n > u.budget {
		return fmt.Errorf("the pickle builds more than %d MB of values, the limit for a data.pkl of its size: a model checkpoint's structure is far smaller", u.limit>>20)
	}
	u.budget -= n
	return nil
}

func (u *unpickler) take(n int) ([]byte, error) {
	if n < 0 || n > len(u.b)-u.pos {
		return nil, fmt.Errorf("truncated: %d bytes wanted, %d left", n, len(u.b)-u.pos)
	}
	s := u.b[u.pos : u.pos+n]
	u.pos += n
	return s, nil
}

// uint reads an n-byte little-endian operand.
func (u *unpickler) uint(n int) (uint64, error) {
	s, err := u.take(n)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(s[i])
	}
	return v, nil
}

// length reads an n-byte length operand that must fit in what is left.
func (u *unpickler) length(n int, what string) (int, error) {
	v, err := u.uint(n)
	if err != nil {
		return 0, err
	}
	if v > uint64(len(u.b)-u.pos) {
		return 0, fmt.Errorf("truncated: %s of %d bytes, %d left", what, v, len(u.b)-u.pos)
	}
	return int(v), nil
}

// line reads a newline-terminated ASCII field (GLOBAL's operands).
func (u *unpickler) line() (string, error) {
	for i := u.pos; i < len(u.b) && i-u.pos < 256; i++ {
		if u.b[i] == '\n' {
			s := string(u.b[u.pos:i])
			u.pos = i + 1
			return s, nil
		}
	}
	return "", fmt.Errorf("truncated or overlong name in GLOBAL")
}

func (u *unpickler) push(v any, depth int) error {
	if err := u.charge(costSlot); err != nil {
		return err
	}
	u.stack = append(u.stack, slot{v, depth})
	return nil
}

func (u *unpickler) pop() (slot, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack) <= floor {
		return slot{}, fmt.Errorf("stack underflow")
	}
	s := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return s, nil
}

func (u *unpickler) top() (slot, error) {
	if len(u.stack) == 0 {
		return slot{}, fmt.Errorf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark returns the items pushed since the last MARK and removes them.
func (u *unpickler) popMark() ([]slot, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]slot(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

// nest is the depth of a container holding items, at least at: one more
// than the deepest item.
func nest(at int, items []slot) (int, error) {
	d := at
	for _, it := range items {
		d = max(d, depthOf(it)+1)
	}
	if d > maxDepth {
		return 0, fmt.Errorf("values nested deeper than %d levels: a model checkpoint nests a few", maxDepth)
	}
	return d, nil
}

func values(items []slot) []any {
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out
}

func (u *unpickler) str(n int) (string, error) {
	s, err := u.take(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(s) {
		return "", fmt.Errorf("string is not valid UTF-8")
	}
	if err := u.charge(int64(n)); err != nil {
		return "", err
	}
	return string(s), nil
}

func (u *unpickler) run() (any, error) {
	for {
		if u.pos >= len(u.b) {
			return nil, fmt.Errorf("truncated: no STOP opcode")
		}
		op := u.b[u.pos]
		start := u.pos
		u.pos++
		if op == opStop {
			if len(u.marks) != 0 || len(u.stack) != 1 {
				return nil, fmt.Errorf("STOP with %d values and %d marks on the stack, want 1 and 0", len(u.stack), len(u.marks))
			}
			return u.stack[0].v, nil
		}
		if err := u.step(op); err != nil {
			u.pos = start // report the opcode's own byte
			return nil, err
		}
	}
}

func (u *unpickler) step(op byte) error {
	switch op {
	case opProto:
		v, err := u.uint(1)
		if err != nil {
			return err
		}
		if v < 2 || v > opHighestVersion {
			return fmt.Errorf("pickle protocol %d is not supported (2 to %d)", v, opHighestVersion)
		}
	case opFrame:
		_, err := u.uint(8) // frames only group bytes; the data is all in memory
		return err
	case opMark:
		if len(u.marks) >= maxDepth {
			return fmt.Errorf("MARKs nested deeper than %d levels: a model checkpoint nests a few", maxDepth)
		}
		u.marks = append(u.marks, len(u.stack))
	case opPop:
		_, err := u.pop()
		return err
	case opPopMark:
		_, err := u.popMark()
		return err
	case opDup:
		s, err := u.top()
		if err != nil {
			return err
		}
		return u.push(s.v, s.depth)
	case opNone:
		return u.push(nil, 0)
	case opNewTrue:
		return u.push(true, 0)
	case opNewFalse:
		return u.push(false, 0)
	case opBinInt:
		v, err := u.uint(opWidth[op])
		if err != nil {
			return err
		}
		return u.push(int64(int32(uint32(v))), 0)
	case opBinInt1, opBinInt2:
		v, err := u.uint(opWidth[op])
		if err != nil {
			return err
		}
		return u.push(int64(v), 0)
	case opLong1:
		n, err := u.length(1, "LONG1 integer")
		if err != nil {
			return err
		}
		s, _ := u.take(n)
		v, err := longToInt64(s)
		if err != nil {
			return err
		}
		return u.push(v, 0)
	case opBinFloat:
		s, err := u.take(8)
		if err != nil {
			return err
		}
		return u.push(math.Float64frombits(binary.BigEndian.Uint64(s)), 0)
	case opShortBinUni, opBinUnicode, opBinUnicode8:
		n, err := u.length(opWidth[op], "string")
		if err != nil {
			return err
		}
		s, err := u.str(n)
		if err != nil {
			return err
		}
		return u.push(s, 0)
	case opShortBinBytes, opBinBytes:
		n, err := u.length(opWidth[op], "bytes")
		if err != nil {
			return err
		}
		if err := u.charge(int64(n)); err != nil {
			return err
		}
		s, _ := u.take(n)
		return u.push(append([]byte{}, s...), 0)
	case opEmptyDict, opEmptyList:
		if err := u.charge(costObject); err != nil {
			return err
		}
		if op == opEmptyDict {
			return u.push(&Dict{depth: 1}, 0)
		}
		return u.push(&List{depth: 1}, 0)
	case opDict:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		if err := u.charge(costObject); err != nil {
			return err
		}
		d := &Dict{depth: 1}
		if err := u.setItems(d, items); err != nil {
			return err
		}
		return u.push(d, 0)
	case opList:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		if err := u.charge(costObject); err != nil {
			return err
		}
		l := &List{depth: 1}
		if err := u.appendItems(l, items); err != nil {
			return err
		}
		return u.push(l, 0)
	case opEmptyTuple:
		return u.push(Tuple{}, 1)
	case opTuple:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.pushTuple(items)
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		items := make([]slot, n)
		for i := n - 1; i >= 0; i-- {
			s, err := u.pop()
			if err != nil {
				return err
			}
			items[i] = s
		}
		return u.pushTuple(items)
	case opAppend:
		s, err := u.pop()
		if err != nil {
			return err
		}
		return u.appendToTop([]slot{s})
	case opAppends:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.appendToTop(items)
	case opSetItem:
		v, err := u.pop()
		if err != nil {
			return err
		}
		k, err := u.pop()
		if err != nil {
			return err
		}
		return u.setOnTop([]slot{k, v})
	case opSetItems:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.setOnTop(items)
	case opBinPut, opLongBinPut:
		idx, err := u.uint(opWidth[op])
		if err != nil {
			return err
		}
		return u.memoize(uint32(idx))
	case opMemoize:
		return u.memoize(uint32(len(u.memo)))
	case opBinGet, opLongBinGet:
		idx, err := u.uint(opWidth[op])
		if err != nil {
			return err
		}
		s, ok := u.memo[uint32(idx)]
		if !ok {
			return fmt.Errorf("memo entry %d was never stored", idx)
		}
		return u.push(s.v, s.depth)
	case opGlobal:
		module, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		return u.pushGlobal(module, name)
	case opStackGlobal:
		ns, err := u.pop()
		if err != nil {
			return err
		}
		ms, err := u.pop()
		if err != nil {
			return err
		}
		module, ok1 := ms.v.(string)
		name, ok2 := ns.v.(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("STACK_GLOBAL needs two strings, got a %s and a %s", typeName(ms.v), typeName(ns.v))
		}
		return u.pushGlobal(module, name)
	case opReduce, opNewObj:
		argv, err := u.pop()
		if err != nil {
			return err
		}
		fv, err := u.pop()
		if err != nil {
			return err
		}
		args, ok := argv.v.(Tuple)
		if !ok {
			return fmt.Errorf("arguments must be a tuple, got a %s", typeName(argv.v))
		}
		g, ok := fv.v.(*Global)
		if !ok {
			return fmt.Errorf("cannot call a %s", typeName(fv.v))
		}
		if err := u.charge(costObject); err != nil {
			return err
		}
		v, err := construct(g, args)
		if err != nil {
			return err
		}
		// What a call builds holds at most its arguments.
		depth, err := nest(0, []slot{argv})
		if err != nil {
			return err
		}
		switch x := v.(type) {
		case *Dict:
			x.depth = 1 // a fresh empty dict
		case *Object:
			x.depth = depth
		case int64, float64, []byte:
			depth = 0
		}
		return u.push(v, depth)
	case opBuild:
		state, err := u.pop()
		if err != nil {
			return err
		}
		target, err := u.top()
		if err != nil {
			return err
		}
		return build(target.v, state)
	case opBinPersID:
		pid, err := u.pop()
		if err != nil {
			return err
		}
		if u.persist == nil {
			return fmt.Errorf("persistent id outside a checkpoint archive")
		}
		if err := u.charge(costObject); err != nil {
			return err
		}
		v, err := u.persist(pid.v)
		if err != nil {
			return err
		}
		return u.push(v, 1)
	default:
		return fmt.Errorf("opcode 0x%02x is not supported by this restricted reader", op)
	}
	return nil
}

func (u *unpickler) pushTuple(items []slot) error {
	depth, err := nest(1, items)
	if err != nil {
		return err
	}
	if err := u.charge(costSlot * int64(len(items))); err != nil {
		return err
	}
	return u.push(Tuple(values(items)), depth)
}

func (u *unpickler) pushGlobal(module, name string) error {
	g, err := lookupGlobal(module, name)
	if err != nil {
		return err
	}
	if err := u.charge(costObject + int64(len(module)+len(name))); err != nil {
		return err
	}
	return u.push(g, 0)
}

func (u *unpickler) memoize(idx uint32) error {
	s, err := u.top()
	if err != nil {
		return err
	}
	if err := u.charge(costEntry); err != nil {
		return err
	}
	u.memo[idx] = s
	return nil
}

func (u *unpickler) appendToTop(items []slot) error {
	t, err := u.top()
	if err != nil {
		return err
	}
	l, ok := t.v.(*List)
	if !ok {
		return fmt.Errorf("APPEND to a %s", typeName(t.v))
	}
	return u.appendItems(l, items)
}

func (u *unpickler) appendItems(l *List, items []slot) error {
	depth, err := nest(l.depth, items)
	if err != nil {
		return err
	}
	if err := u.charge(costSlot * int64(len(items))); err != nil {
		return err
	}
	l.depth = depth
	l.Items = append(l.Items, values(items)...)
	return nil
}

func (u *unpickler) setOnTop(items []slot) error {
	t, err := u.top()
	if err != nil {
		return err
	}
	d, ok := t.v.(*Dict)
	if !ok {
		return fmt.Errorf("SETITEM on a %s", typeName(t.v))
	}
	return u.setItems(d, items)
}

func (u *unpickler) setItems(d *Dict, items []slot) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of dict items")
	}
	depth, err := nest(d.depth, items)
	if err != nil {
		return err
	}
	if err := u.charge(costEntry * int64(len(items)/2)); err != nil {
		return err
	}
	d.depth = depth
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i].v, items[i+1].v); err != nil {
			return err
		}
	}
	return nil
}

// build applies BUILD's state: attributes of an object, the byte order of
// a numpy dtype, or attributes of a dict subclass (OrderedDict._metadata).
func build(target any, state slot) error {
	switch t := target.(type) {
	case *Object:
		depth, err := nest(t.depth, []slot{state})
		if err != nil {
			return err
		}
		t.State, t.depth = state.v, depth
		return nil
	case *Dict:
		sd, ok := state.v.(*Dict)
		if !ok {
			return fmt.Errorf("BUILD of a dict with a %s state", typeName(state.v))
		}
		depth, err := nest(t.depth, []slot{state})
		if err != nil {
			return err
		}
		t.depth = depth
		if t.Attrs == nil {
			t.Attrs = map[string]any{}
		}
		for i, k := range sd.Keys {
			ks, ok := k.(string)
			if !ok {
				return fmt.Errorf("BUILD attribute name of type %s", typeName(k))
			}
			t.Attrs[ks] = sd.Values[i]
		}
		return nil
	}
	return fmt.Errorf("BUILD of a %s", typeName(target))
}

// longToInt64 decodes LONG1's little-endian two's complement; anything
// outside int64 is refused, since no checkpoint field needs it.
func longToInt64(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, nil
	}
	// Bytes beyond the eighth may only repeat the sign.
	sign := byte(0)
	if b[len(b)-1]&0x80 != 0 {
		sign = 0xff
	}
	for i := 8; i < len(b); i++ {
		if b[i] != sign {
			return 0, fmt.Errorf("integer of %d bytes does not fit in 64 bits", len(b))
		}
	}
	var v uint64
	for i := min(len(b), 8) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if len(b) < 8 && sign != 0 {
		v |= ^uint64(0) << (8 * len(b)) // sign-extend
	}
	if len(b) > 8 && (v>>63 == 1) != (sign != 0) {
		return 0, fmt.Errorf("integer of %d bytes does not fit in 64 bits", len(b))
	}
	return int64(v), nil
}
