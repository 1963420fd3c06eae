@testable import Controller
import Testing

/// What the uploader does about images that already carry the name: every case decided from
/// Glance's listing and the file's digests alone.
@Suite("UploadDecision and GlanceImage.holdsSameData")
struct UploadDecisionTests {
    static let digests = FileDigests(values: ["md5": "aa", "sha512": "bb"])
    static let size: UInt64 = 100

    func image(_ id: String, status: String = "active", visibility: String = "community", md5: String? = "aa",
               algorithm: String? = "sha512", hash: String? = "bb", size: UInt64? = 100) -> GlanceImage {
        GlanceImage(id: id, name: "kb", status: status, visibility: visibility, size: size, checksum: md5, hashAlgorithm: algorithm, hashValue: hash)
    }

    func decide(_ existing: [GlanceImage], force: Bool = false, visibility: ImageVisibility = .community) -> UploadDecision {
        UploadDecision(existing: existing, digests: Self.digests, size: Self.size, visibility: visibility, force: force)
    }

    @Test("same data is judged by the multihash, else by md5, and never when sizes differ or no data is there")
    func sameData() {
        #expect(image("a").holdsSameData(as: Self.digests, size: Self.size) == true)
        #expect(image("a", md5: "aa", hash: "other").holdsSameData(as: Self.digests, size: Self.size) == false)
        #expect(image("a", md5: "aa", algorithm: "sha256", hash: "cc").holdsSameData(as: Self.digests, size: Self.size) == true)
        #expect(image("a", md5: "zz", algorithm: nil, hash: nil).holdsSameData(as: Self.digests, size: Self.size) == false)
        #expect(image("a", size: 99).holdsSameData(as: Self.digests, size: Self.size) == false)
        #expect(image("a", status: "queued", md5: nil, algorithm: nil, hash: nil, size: nil).holdsSameData(as: Self.digests, size: Self.size) == nil)
    }

    @Test("no image of the name: upload, replacing nothing")
    func fresh() {
        #expect(decide([]) == .upload(replacing: []))
        #expect(decide([], force: true) == .upload(replacing: []))
    }

    @Test("an active image with the same data: nothing to upload, others are listed (for --force to delete)")
    func present() {
        let same = image("same")
        let other = image("other", md5: "zz", hash: "yy")
        #expect(decide([same]) == .present(same, others: []))
        #expect(decide([other, same]) == .present(same, others: [other]))
        #expect(decide([other, same], force: true) == .present(same, others: [other]))
        // Of two copies, the one with the wanted visibility is kept.
        let privateCopy = image("private", visibility: "private")
        #expect(decide([privateCopy, same]) == .present(same, others: [privateCopy]))
        #expect(decide([same, privateCopy], visibility: .private) == .present(privateCopy, others: [same]))
        // A copy that is not active does not count.
        let saving = image("saving", status: "saving")
        #expect(decide([saving]) == .refuse(conflicting: [saving]))
    }

    @Test("other data, or an image with none yet, is refused without --force and replaced with it")
    func conflict() {
        let other = image("other", md5: "zz", hash: "yy")
        let queued = image("queued", status: "queued", md5: nil, algorithm: nil, hash: nil, size: nil)
        #expect(decide([other, queued]) == .refuse(conflicting: [other, queued]))
        #expect(decide([other, queued], force: true) == .upload(replacing: [other, queued]))
    }

    @Test("images others own privately are not the uploader's to weigh; its own private ones are")
    func usability() {
        var theirs = image("theirs", visibility: "private")
        theirs.owner = "p2"
        #expect(!theirs.isUsable(by: "p1"))
        #expect(theirs.isUsable(by: "p2"))
        #expect(image("community").isUsable(by: nil))
    }
}
