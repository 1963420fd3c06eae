/// A growable, reused byte buffer for the encoder's hot path: no array bounds checks, no
/// copy-on-write, no allocation once it is large enough. Owned by one encoder, freed with it.
struct ScratchBuffer: ~Copyable {
    /// The bytes; valid until the next `reserve` that grows.
    private(set) var base: UnsafeMutableRawPointer
    /// How many bytes `base` holds.
    private(set) var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        base.deallocate()
    }

    /// Makes room for at least `count` bytes; the contents are not kept.
    mutating func reserve(_ count: Int) {
        guard count > capacity else { return }
        let grown = max(count, capacity * 2)
        base.deallocate()
        base = .allocate(byteCount: grown, alignment: 16)
        capacity = grown
    }
}
