/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
package io.lloco.runtime.checkpoint;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A whitelist-only interpreter for the {@code data.pkl} of a {@code torch.save} zip archive holding a
 * state dict. Nothing is ever imported or executed: the only globals accepted are
 * {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor(_v2)},
 * {@code torch._utils._rebuild_parameter(_with_state)} and the typed storage classes
 * ({@code torch.FloatStorage}, ...), each modelled by a Java value. Any other global (for example
 * {@code posix.system} or {@code torch.storage._load_from_bytes}) and any opcode outside the binary
 * protocol 2-4 subset that {@code torch.save} emits is refused with a {@link CheckpointException}.
 *
 * <p>Bounded: the interpreter is iterative (no recursion, whatever the nesting), the stack and the marks hold at most
 * {@value #MAX_DEPTH} entries, and every object it creates is charged against {@link #allocationBound} (a pickle that
 * would allocate more — list, dict, memo or string bombs — is refused).
 */
final class PickleStateDict {

    /** A storage named by a persistent id: {@code ('storage', torch.XStorage, key, location, numel)}. */
    record StorageRef(String key, StoredDtype dtype, long numel) {
    }

    /** A tensor view of a storage (offset and strides in elements). */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {

        long numel() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private record Global(String module, String name) {
    }

    private record Tuple(List<Object> items) {
    }

    private static final Object NONE = new Object() {

        @Override
        public String toString() {
            return "None";
        }
    };

    private static final Set<String> CALLABLES = Set.of(
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state"
    );

    private static final Map<String, StoredDtype> STORAGES = Map.of(
        "FloatStorage",
        StoredDtype.F32,
        "HalfStorage",
        StoredDtype.F16,
        "BFloat16Storage",
        StoredDtype.BF16,
        "DoubleStorage",
        StoredDtype.F64,
        "LongStorage",
        StoredDtype.I64,
        "IntStorage",
        StoredDtype.I32,
        "ShortStorage",
        StoredDtype.I16,
        "CharStorage",
        StoredDtype.I8,
        "ByteStorage",
        StoredDtype.U8,
        "BoolStorage",
        StoredDtype.BOOL
    );

    private static final int MAX_DEPTH = 1_000_000;

    /**
     * Allocation allowance per pickle byte. The charges are upper estimates of what each opcode allocates (measured: the
     * real allocation is ~85% of the charge); a {@code torch.save} state dict is charged ~36 bytes per pickle byte
     * (~4.5 KB for a tensor's ~125 bytes), under half of this allowance once past the fixed part.
     */
    static final int BUDGET_PER_BYTE = 80;
    /** Allocation allowance of any pickle, whatever its size. */
    static final long BUDGET_BASE = 1L << 20;
    /** Allocation cap of any pickle (about 14,000 tensors' worth: a torch.save shard holds a few hundred). */
    static final long BUDGET_MAX = 64L << 20;

    private final Path file;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();
    private final long budget;
    private long charged;

    private PickleStateDict(Path file, byte[] pickle) {
        this.file = file;
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
        this.budget = allocationBound(pickle.length);
    }

    /**
     * The most this interpreter allocates for a pickle of {@code pickleBytes} (estimated object sizes, counted as they
     * are created and never given back): {@value #BUDGET_PER_BYTE} bytes per pickle byte plus {@value #BUDGET_BASE},
     * at most {@value #BUDGET_MAX}. A pickle that needs more (object, list or memo bombs) is refused.
     */
    static long allocationBound(long pickleBytes) {
        return Math.min(BUDGET_MAX, BUDGET_BASE + BUDGET_PER_BYTE * pickleBytes);
    }

    private void charge(long bytes) throws CheckpointException {
        charged += bytes;
        if (charged > budget) {
            throw fail(
                String.format(
                    Locale.ROOT,
                    "data.pkl builds more objects than a state dict of %d bytes can (over %d bytes): corrupt or hostile",
                    in.capacity(),
                    budget
                )
            );
        }
    }

    /** The allocation {@link #parse} charges for {@code pickle} (tests compare real pickles with the bound). */
    static long charged(Path file, byte[] pickle) throws CheckpointException {
        PickleStateDict p = new PickleStateDict(file, pickle);
        try {
            p.run();
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | ArithmeticException e) {
            throw p.fail("data.pkl is corrupt: " + e);
        }
        return p.charged;
    }

    /** Interprets {@code pickle}; returns tensor name to view, in pickle order. */
    static Map<String, TensorRef> parse(Path file, byte[] pickle) throws CheckpointException {
        PickleStateDict p = new PickleStateDict(file, pickle);
        Object result;
        try {
            result = p.run();
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException e) {
            throw p.fail("data.pkl ends in the middle of an instruction (truncated or corrupt)");
        } catch (ArithmeticException e) {
            throw p.fail("data.pkl has a tensor size that overflows: " + e.getMessage());
        }
        if (result instanceof Map<?, ?> == false) {
            throw p.fail("data.pkl does not hold a dict but " + describe(result) + ": only tensor state dicts are supported");
        }
        Map<?, ?> map = (Map<?, ?>) result;
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey() instanceof String == false) {
                throw p.fail("data.pkl has a non-string key " + describe(e.getKey()) + ": only tensor state dicts are supported");
            }
            String k = (String) e.getKey();
            if (e.getValue() instanceof TensorRef == false) {
                throw p
                    .fail(
                        "entry [" + BoundedJson.clip(k) + "] is " + describe(e.getValue())
                            + ", not a tensor: only flat tensor state dicts are supported"
                    );
            }
            out.put(k, (TensorRef) e.getValue());
        }
        return out;
    }

    private Object run() throws CheckpointException {
        while (true) {
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = in.get() & 0xFF;
                    if (proto < 2 || proto > 5) {
                        throw fail("pickle protocol " + proto + " is not supported (torch.save writes 2)");
                    }
                }
                case 0x95 -> in.getLong(); // FRAME (protocol 4): framing only
                case '.' -> { // STOP
                    if (stack.size() != 1 || markCount != 0) {
                        throw fail("data.pkl stops with " + stack.size() + " values on the stack (corrupt)");
                    }
                    return stack.get(0);
                }
                case '(' -> { // MARK
                    charge(16);
                    if (markCount >= MAX_DEPTH) {
                        throw fail("data.pkl nests too deeply");
                    }
                    if (markCount == marks.length) {
                        marks = Arrays.copyOf(marks, 2 * markCount);
                    }
                    marks[markCount++] = stack.size();
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case '}' -> { // EMPTY_DICT
                    charge(160);
                    push(new LinkedHashMap<Object, Object>());
                }
                case ']' -> { // EMPTY_LIST
                    charge(96);
                    push(new ArrayList<Object>());
                }
                case ')' -> { // EMPTY_TUPLE
                    charge(16);
                    push(new Tuple(List.of()));
                }
                case 't' -> push(new Tuple(popMark())); // TUPLE
                case 0x85 -> { // TUPLE1
                    charge(64);
                    push(new Tuple(List.of(pop())));
                }
                case 0x86 -> { // TUPLE2
                    charge(72);
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(Arrays.asList(a, b)));
                }
                case 0x87 -> { // TUPLE3
                    charge(80);
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(Arrays.asList(a, b, c)));
                }
                case 'l' -> { // LIST
                    List<Object> items = popMark();
                    charge(48 + 8L * items.size());
                    push(new ArrayList<>(items));
                }
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    charge(160 + 64L * items.size());
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, items);
                    push(m);
                }
                case 'a' -> { // APPEND
                    charge(24);
                    Object v = pop();
                    asList(peek()).add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    charge(24L * items.size());
                    asList(peek()).addAll(items);
                }
                case 's' -> { // SETITEM
                    charge(64);
                    Object v = pop();
                    Object k = pop();
                    asMap(peek()).put(key(k), v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    charge(32L * items.size());
                    putPairs(asMap(peek()), items);
                }
                case 'X' -> push(string(u32())); // BINUNICODE
                case 0x8c -> push(string(in.get() & 0xFF)); // SHORT_BINUNICODE
                case 0x8d -> push(string(u64())); // BINUNICODE8
                case 'J' -> { // BININT
                    charge(16);
                    push((long) in.getInt());
                }
                case 'K' -> { // BININT1
                    charge(16);
                    push((long) (in.get() & 0xFF));
                }
                case 'M' -> { // BININT2
                    charge(16);
                    push((long) (in.getShort() & 0xFFFF));
                }
                case 0x8a -> { // LONG1
                    charge(96);
                    push(long1(in.get() & 0xFF));
                }
                case 'G' -> { // BINFLOAT (big-endian)
                    charge(16);
                    push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));
                }
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'N' -> push(NONE); // NONE
                case 'q' -> { // BINPUT
                    charge(80);
                    memo.put((long) (in.get() & 0xFF), peek());
                }
                case 'r' -> { // LONG_BINPUT
                    charge(80);
                    memo.put(u32(), peek());
                }
                case 0x94 -> { // MEMOIZE
                    charge(80);
                    memo.put((long) memo.size(), peek());
                }
                case 'h' -> push(memoGet(in.get() & 0xFF)); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'c' -> { // GLOBAL
                    charge(64);
                    push(global(line(), line()));
                }
                case 0x93 -> { // STACK_GLOBAL
                    charge(64);
                    Object name = pop();
                    Object module = pop();
                    if (module instanceof String m && name instanceof String n) {
                        charge(2L * (m.length() + n.length()));
                        push(global(m, n));
                    } else {
                        throw fail("STACK_GLOBAL with non-string operands");
                    }
                }
                case 'Q' -> { // BINPERSID
                    charge(64);
                    push(persistent(pop()));
                }
                case 'R' -> { // REDUCE
                    charge(96);
                    Object args = pop();
                    Object fn = pop();
                    push(reduce(fn, args));
                }
                case 'b' -> { // BUILD: only OrderedDict state (torch's _metadata) is accepted, and ignored
                    Object state = pop();
                    Object target = peek();
                    if (target instanceof Map<?, ?> == false || (state instanceof Map<?, ?> == false && state != NONE)) {
                        throw fail("BUILD on " + describe(target) + " is not supported: only tensor state dicts are supported");
                    }
                }
                default -> throw fail(
                    String.format(
                        Locale.ROOT,
                        "refuses pickle opcode 0x%02x at byte %d: only the binary subset written by torch.save is supported",
                        op,
                        in.position() - 1
                    )
                );
            }
            if (stack.size() > MAX_DEPTH) {
                throw fail("data.pkl nests too deeply");
            }
        }
    }

    private Object global(String module, String name) throws CheckpointException {
        String full = module + "." + name;
        if (CALLABLES.contains(full) || ("torch".equals(module) && STORAGES.containsKey(name))) {
            return new Global(module, name);
        }
        throw fail("refuses pickle global " + full + ": only tensor state dicts are supported");
    }

    private Object persistent(Object pid) throws CheckpointException {
        if (pid instanceof Tuple t && t.items().size() == 5 && "storage".equals(t.items().get(0))
            && t.items().get(1) instanceof Global g && "torch".equals(g.module()) && STORAGES.containsKey(g.name())
            && t.items().get(2) instanceof String key && t.items().get(4) instanceof Long numel && numel >= 0) {
            if (key.isEmpty() || key.contains("/") || key.contains("\\") || key.contains("..")) {
                throw fail("storage key [" + BoundedJson.clip(key) + "] is not a plain name");
            }
            return new StorageRef(key, STORAGES.get(g.name()), numel);
        }
        throw fail("refuses persistent id " + describe(pid) + ": only ('storage', torch.<Type>Storage, key, location, numel) is supported");
    }

    private Object reduce(Object fn, Object argsObj) throws CheckpointException {
        if (fn instanceof Global == false || CALLABLES.contains(((Global) fn).module() + "." + ((Global) fn).name()) == false) {
            throw fail("refuses to call " + describe(fn) + ": only tensor state dicts are supported");
        }
        Global g = (Global) fn;
        if (argsObj instanceof Tuple == false) {
            throw fail("REDUCE arguments are " + describe(argsObj) + ", not a tuple");
        }
        Tuple argsTuple = (Tuple) argsObj;
        List<Object> args = argsTuple.items();
        String full = g.module() + "." + g.name();
        switch (full) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.size() == 1 && args.get(0) instanceof List<?> pairs) {
                    charge(64L * pairs.size());
                    for (Object pair : pairs) {
                        List<Object> kv = pair instanceof Tuple pt ? pt.items() : pair instanceof List<?> pl ? new ArrayList<>(pl) : null;
                        if (kv == null || kv.size() != 2) {
                            throw fail("OrderedDict argument is not a list of pairs");
                        }
                        m.put(key(kv.get(0)), kv.get(1));
                    }
                } else if (args.isEmpty() == false) {
                    throw fail("OrderedDict called with unsupported arguments " + describe(argsObj));
                }
                return m;
            }
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                int min = full.endsWith("_v2") ? 6 : 4;
                if (args.size() < min || args.size() > 7) {
                    throw fail(full + " called with " + args.size() + " arguments");
                }
                if (args.get(0) instanceof StorageRef == false) {
                    throw fail(full + " called on " + describe(args.get(0)) + ", not a storage");
                }
                StorageRef s = (StorageRef) args.get(0);
                if (args.get(1) instanceof Long == false || (Long) args.get(1) < 0) {
                    throw fail(full + ": storage offset is " + describe(args.get(1)));
                }
                long offset = (Long) args.get(1);
                long[] shape = longs(args.get(2), full + " size");
                long[] stride = longs(args.get(3), full + " stride");
                if (shape.length != stride.length) {
                    throw fail(full + ": size has " + shape.length + " dimensions but stride has " + stride.length);
                }
                for (int i = 0; i < shape.length; i++) {
                    if (shape[i] < 0 || stride[i] < 0) {
                        throw fail(full + ": negative size or stride " + Arrays.toString(shape) + " / " + Arrays.toString(stride));
                    }
                }
                return new TensorRef(s, offset, shape, stride);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (args.isEmpty() || args.get(0) instanceof TensorRef == false) {
                    throw fail(full + " called without a tensor");
                }
                return args.get(0);
            }
            default -> throw fail("refuses to call " + full);
        }
    }

    private long[] longs(Object o, String what) throws CheckpointException {
        if (o instanceof Tuple == false) {
            throw fail(what + " is " + describe(o) + ", not a tuple");
        }
        Tuple t = (Tuple) o;
        charge(24 + 8L * t.items().size());
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            if (t.items().get(i) instanceof Long v) {
                out[i] = v;
            } else {
                throw fail(what + " holds " + describe(t.items().get(i)) + ", not an int");
            }
        }
        return out;
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) throws CheckpointException {
        if (items.size() % 2 != 0) {
            throw fail("SETITEMS/DICT with an odd number of items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(key(items.get(i)), items.get(i + 1));
        }
    }

    private Object key(Object k) throws CheckpointException {
        if (k instanceof String || k instanceof Long || k instanceof Boolean || k instanceof Double || k == NONE
            || k instanceof BigInteger) {
            return k;
        }
        throw fail("dict key " + describe(k) + " is not supported");
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) throws CheckpointException {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw fail("APPEND to " + describe(o) + ", not a list");
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o) throws CheckpointException {
        if (o instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw fail("SETITEM on " + describe(o) + ", not a dict");
    }

    private Object long1(int n) throws CheckpointException {
        if (n > 8) {
            throw fail("integer of " + n + " bytes is too large");
        }
        byte[] le = new byte[n];
        in.get(le);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        return new BigInteger(be).longValue();
    }

    private String string(long len) throws CheckpointException {
        if (len < 0 || len > in.remaining()) {
            throw fail("string of " + len + " bytes runs past the end of data.pkl (truncated or corrupt)");
        }
        charge(48 + 3 * len); // the bytes, and the string (two bytes a character at worst)
        byte[] b = new byte[(int) len];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private String line() throws CheckpointException {
        int start = in.position();
        int limit = Math.min(in.limit(), start + 256);
        for (int i = start; i < limit; i++) {
            if (in.get(i) == '\n') {
                charge(64 + 5L * (i - start)); // the bytes, the string, and the module.name joined in global()
                byte[] b = new byte[i - start];
                in.get(b);
                in.get();
                return new String(b, StandardCharsets.UTF_8);
            }
        }
        throw fail("GLOBAL name is not terminated within 256 bytes");
    }

    private long u32() {
        return in.getInt() & 0xFFFFFFFFL;
    }

    private long u64() throws CheckpointException {
        long v = in.getLong();
        if (v < 0) {
            throw fail("length field too large");
        }
        return v;
    }

    private Object memoGet(long idx) throws CheckpointException {
        if (memo.containsKey(idx) == false) {
            throw fail("memo slot " + idx + " read before being written (corrupt pickle)");
        }
        return memo.get(idx);
    }

    private void push(Object o) throws CheckpointException {
        charge(24);
        stack.add(o);
    }

    private Object pop() throws CheckpointException {
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() <= floor) {
            throw fail("stack underflow (corrupt pickle)");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws CheckpointException {
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (stack.size() <= floor) {
            throw fail("stack underflow (corrupt pickle)");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws CheckpointException {
        if (markCount == 0) {
            throw fail("no MARK on the stack (corrupt pickle)");
        }
        int m = marks[--markCount];
        charge(64 + 8L * (stack.size() - m));
        List<Object> sub = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return sub;
    }

    private static String describe(Object o) {
        if (o == null) {
            return "nothing";
        }
        if (o instanceof Global g) {
            return "global " + g.module() + "." + g.name();
        }
        if (o instanceof Tuple) {
            return "a tuple";
        }
        if (o instanceof Map<?, ?>) {
            return "a dict";
        }
        if (o instanceof List<?>) {
            return "a list";
        }
        if (o instanceof StorageRef) {
            return "a storage";
        }
        if (o instanceof String s) {
            return "the string '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        return o == NONE ? "None" : o.getClass().getSimpleName() + " " + o;
    }

    private CheckpointException fail(String what) {
        return new CheckpointException(String.format(Locale.ROOT, "PyTorch checkpoint [%s] %s", file, what));
    }
}
