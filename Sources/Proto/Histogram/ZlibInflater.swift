import CDeflate

/// libdeflate's whole-buffer decompressor for the zlib format (header, deflate, Adler-32). The
/// only file that imports CDeflate, and the one place where libdeflate's result codes become
/// thrown `HistogramError` values.
///
/// Unlike zlib's streaming `inflate` it needs no per-stream state allocated and freed per call,
/// and it decodes straight into a caller's buffer: the controller's merge path keeps one and
/// reuses it for every report.
final class ZlibInflater {
    /// libdeflate's decompressor: about 11 KB of tables, reused across calls.
    private let decompressor: OpaquePointer

    init() {
        guard let decompressor = libdeflate_alloc_decompressor() else {
            fatalError("ZlibInflater: libdeflate_alloc_decompressor failed (out of memory)")
        }
        self.decompressor = decompressor
    }

    deinit { libdeflate_free_decompressor(decompressor) }

    /// The outcome of one `inflate`.
    enum Outcome {
        /// The stream decoded and its checksum matched; this many bytes of the output hold it.
        case inflated(Int)
        /// The decompressed data does not fit in the output buffer.
        case outputTooSmall
    }

    /// Inflates the zlib stream `compressed` into `output` and verifies its Adler-32 checksum.
    /// Throws `malformedEncoding` when the stream is corrupt or truncated; bytes after the end
    /// of the stream are ignored, as zlib's `inflate` ignores them.
    func inflate(_ compressed: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Outcome {
        // The smallest zlib stream is a 2-byte header, an empty final block and a 4-byte checksum.
        guard let input = compressed.baseAddress, compressed.count >= 7, let destination = output.baseAddress else {
            throw HistogramError.malformedEncoding(
                "compressed data of \(compressed.count) bytes is too short for a zlib stream")
        }
        var produced = 0
        let result = libdeflate_zlib_decompress(
            decompressor, input, compressed.count, destination, output.count, &produced)
        switch result {
        case LIBDEFLATE_SUCCESS:
            return .inflated(produced)
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            return .outputTooSmall
        case LIBDEFLATE_BAD_DATA:
            throw HistogramError.malformedEncoding(
                "compressed data is corrupt or truncated (not a whole zlib stream, or its checksum differs)")
        default:
            // LIBDEFLATE_SHORT_OUTPUT is only returned when no output length is asked for.
            throw HistogramError.malformedEncoding("libdeflate returned unexpected result \(result.rawValue)")
        }
    }
}
