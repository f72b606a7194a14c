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

// persistentLoader resolves BINPERSID ids (torch's storage references).
type persistentLoader func(pid any) (any, error)

// unpickler is the restricted pickle machine over an in-memory pickle.
type unpickler struct {
	b       []byte
	pos     int
	stack   []any
	marks   []int // stack heights at each MARK
	memo    map[uint32]any
	persist persistentLoader
}

// unpickle runs the pickle in b and returns its single result.
func unpickle(b []byte, persist persistentLoader) (any, error) {
	u := &unpickler{b: b, memo: map[uint32]any{}, persist: persist}
	v, err := u.run()
	if err != nil {
		return nil, fmt.Errorf("pickle byte %d: %v", u.pos, err)
	}
	return v, nil
}

func (u *unpickler) take(n int) ([]byte, error) {
	if n < 0 || n > len(u.b)-u.pos {
		return nil, fmt.Errorf("truncated: %d bytes wanted, %d left", n, len(u.b)-u.pos)
	}
	s := u.b[u.pos : u.pos+n]
	u.pos += n
	return s, nil
}

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

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack) <= floor {
		return nil, fmt.Errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 {
		return nil, fmt.Errorf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark returns the items pushed since the last MARK and removes them.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) str(n int) (string, error) {
	s, err := u.take(n)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(s) {
		return "", fmt.Errorf("string is not valid UTF-8")
	}
	return string(s), nil
}

func (u *unpickler) run() (any, error) {
	for {
		if u.pos >= len(u.b) {
			return nil, fmt.Errorf("truncated: no STOP opcode")
		}
		op := u.b[u.pos]
		u.pos++
		if op == opStop {
			if len(u.marks) != 0 || len(u.stack) != 1 {
				return nil, fmt.Errorf("STOP with %d values and %d marks on the stack, want 1 and 0", len(u.stack), len(u.marks))
			}
			return u.stack[0], nil
		}
		if err := u.step(op); err != nil {
			u.pos-- // report the opcode's own byte
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
		u.marks = append(u.marks, len(u.stack))
	case opPop:
		_, err := u.pop()
		return err
	case opPopMark:
		_, err := u.popMark()
		return err
	case opDup:
		v, err := u.top()
		if err != nil {
			return err
		}
		u.push(v)
	case opNone:
		u.push(nil)
	case opNewTrue:
		u.push(true)
	case opNewFalse:
		u.push(false)
	case opBinInt:
		v, err := u.uint(4)
		if err != nil {
			return err
		}
		u.push(int64(int32(uint32(v))))
	case opBinInt1:
		v, err := u.uint(1)
		if err != nil {
			return err
		}
		u.push(int64(v))
	case opBinInt2:
		v, err := u.uint(2)
		if err != nil {
			return err
		}
		u.push(int64(v))
	case opLong1:
		n, err := u.uint(1)
		if err != nil {
			return err
		}
		s, err := u.take(int(n))
		if err != nil {
			return err
		}
		v, err := longToInt64(s)
		if err != nil {
			return err
		}
		u.push(v)
	case opBinFloat:
		s, err := u.take(8)
		if err != nil {
			return err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(s)))
	case opShortBinUni, opBinUnicode, opBinUnicode8:
		width := map[byte]int{opShortBinUni: 1, opBinUnicode: 4, opBinUnicode8: 8}[op]
		n, err := u.uint(width)
		if err != nil {
			return err
		}
		if n > uint64(len(u.b)) {
			return fmt.Errorf("truncated: string of %d bytes", n)
		}
		s, err := u.str(int(n))
		if err != nil {
			return err
		}
		u.push(s)
	case opShortBinBytes, opBinBytes:
		width := 1
		if op == opBinBytes {
			width = 4
		}
		n, err := u.uint(width)
		if err != nil {
			return err
		}
		if n > uint64(len(u.b)) {
			return fmt.Errorf("truncated: bytes of length %d", n)
		}
		s, err := u.take(int(n))
		if err != nil {
			return err
		}
		u.push(append([]byte(nil), s...))
	case opEmptyDict:
		u.push(&Dict{})
	case opDict:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		d := &Dict{}
		if err := setItems(d, items); err != nil {
			return err
		}
		u.push(d)
	case opEmptyList:
		u.push(&List{})
	case opList:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(&List{Items: items})
	case opEmptyTuple:
		u.push(Tuple{})
	case opTuple:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(Tuple(items))
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		t := make(Tuple, n)
		for i := n - 1; i >= 0; i-- {
			v, err := u.pop()
			if err != nil {
				return err
			}
			t[i] = v
		}
		u.push(t)
	case opAppend:
		v, err := u.pop()
		if err != nil {
			return err
		}
		return u.appendTo([]any{v})
	case opAppends:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.appendTo(items)
	case opSetItem:
		v, err := u.pop()
		if err != nil {
			return err
		}
		k, err := u.pop()
		if err != nil {
			return err
		}
		return u.setOnTop([]any{k, v})
	case opSetItems:
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.setOnTop(items)
	case opBinPut, opLongBinPut:
		width := 1
		if op == opLongBinPut {
			width = 4
		}
		idx, err := u.uint(width)
		if err != nil {
			return err
		}
		v, err := u.top()
		if err != nil {
			return err
		}
		u.memo[uint32(idx)] = v
	case opMemoize:
		v, err := u.top()
		if err != nil {
			return err
		}
		u.memo[uint32(len(u.memo))] = v
	case opBinGet, opLongBinGet:
		width := 1
		if op == opLongBinGet {
			width = 4
		}
		idx, err := u.uint(width)
		if err != nil {
			return err
		}
		v, ok := u.memo[uint32(idx)]
		if !ok {
			return fmt.Errorf("memo entry %d was never stored", idx)
		}
		u.push(v)
	case opGlobal:
		module, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		g, err := lookupGlobal(module, name)
		if err != nil {
			return err
		}
		u.push(g)
	case opStackGlobal:
		nv, err := u.pop()
		if err != nil {
			return err
		}
		mv, err := u.pop()
		if err != nil {
			return err
		}
		module, ok1 := mv.(string)
		name, ok2 := nv.(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("STACK_GLOBAL needs two strings, got %T and %T", mv, nv)
		}
		g, err := lookupGlobal(module, name)
		if err != nil {
			return err
		}
		u.push(g)
	case opReduce, opNewObj:
		argv, err := u.pop()
		if err != nil {
			return err
		}
		fv, err := u.pop()
		if err != nil {
			return err
		}
		args, ok := argv.(Tuple)
		if !ok {
			return fmt.Errorf("arguments must be a tuple, got %T", argv)
		}
		g, ok := fv.(*Global)
		if !ok {
			return fmt.Errorf("cannot call a %T", fv)
		}
		v, err := construct(g, args)
		if err != nil {
			return err
		}
		u.push(v)
	case opBuild:
		state, err := u.pop()
		if err != nil {
			return err
		}
		target, err := u.top()
		if err != nil {
			return err
		}
		return build(target, state)
	case opBinPersID:
		pid, err := u.pop()
		if err != nil {
			return err
		}
		if u.persist == nil {
			return fmt.Errorf("persistent id outside a checkpoint archive")
		}
		v, err := u.persist(pid)
		if err != nil {
			return err
		}
		u.push(v)
	default:
		return fmt.Errorf("opcode 0x%02x is not supported by this restricted reader", op)
	}
	return nil
}

func (u *unpickler) appendTo(items []any) error {
	t, err := u.top()
	if err != nil {
		return err
	}
	l, ok := t.(*List)
	if !ok {
		return fmt.Errorf("APPEND to a %T", t)
	}
	l.Items = append(l.Items, items...)
	return nil
}

func (u *unpickler) setOnTop(items []any) error {
	t, err := u.top()
	if err != nil {
		return err
	}
	d, ok := t.(*Dict)
	if !ok {
		return fmt.Errorf("SETITEM on a %T", t)
	}
	return setItems(d, items)
}

func setItems(d *Dict, items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of dict items")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// build applies BUILD's state: attributes of an object, or of a dict
// subclass (OrderedDict._metadata).
func build(target, state any) error {
	switch t := target.(type) {
	case *Object:
		t.State = state
		return nil
	case *Dict:
		sd, ok := state.(*Dict)
		if !ok {
			return fmt.Errorf("BUILD of a dict with a %T state", state)
		}
		if t.Attrs == nil {
			t.Attrs = map[string]any{}
		}
		for i, k := range sd.Keys {
			ks, ok := k.(string)
			if !ok {
				return fmt.Errorf("BUILD attribute name of type %T", k)
			}
			t.Attrs[ks] = sd.Values[i]
		}
		return nil
	}
	return fmt.Errorf("BUILD of a %T", target)
}
