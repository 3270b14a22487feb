using System.Buffers.Binary;

namespace WskSharp.Lab.Wire;

/// <summary>
/// The TCP Fast Open option of one segment, decoded from the raw TCP options: the IANA option (kind 34, RFC 7413) or
/// the experimental one (kind 254 with the 16-bit magic 0xF989, RFC 6994, which Linux sends when asked to). A cookie
/// request carries no cookie (kind 34 length 2, or kind 254 length 4); a cookie is the bytes that follow.
/// </summary>
/// <param name="Kind">34 or 254.</param>
/// <param name="Cookie">The cookie; empty for a cookie request.</param>
internal sealed record TcpFastOpenOption(byte Kind, byte[] Cookie)
{
    /// <summary>The IANA option kind (RFC 7413).</summary>
    public const byte IanaKind = 34;

    /// <summary>The experimental option kind (RFC 6994), followed by <see cref="ExperimentalMagic"/>.</summary>
    public const byte ExperimentalKind = 254;

    /// <summary>The 16-bit magic that marks Fast Open under <see cref="ExperimentalKind"/>.</summary>
    public const ushort ExperimentalMagic = 0xF989;

    /// <summary>True for a cookie request (no cookie bytes).</summary>
    public bool IsCookieRequest => Cookie.Length == 0;

    /// <summary>True for a cookie (length over the option's own header).</summary>
    public bool HasCookie => Cookie.Length > 0;

    /// <summary>The option as one line, e.g. <c>tfo(kind 34) cookie 008af0a753904fdd</c>.</summary>
    public override string ToString() => IsCookieRequest
        ? $"tfo(kind {Kind}) cookie request"
        : $"tfo(kind {Kind}) cookie {Convert.ToHexString(Cookie).ToLowerInvariant()}";

    /// <summary>
    /// Walks the option list of a TCP header (the bytes after the 20 fixed ones) and returns its Fast Open option, or
    /// null. End-of-list (0) ends the walk; NOP (1) is one byte; every other option is kind, length (at least 2,
    /// counting those two bytes), value.
    /// </summary>
    /// <exception cref="FormatException">The list is malformed (a length under 2 or past the end), or holds two Fast Open options.</exception>
    public static TcpFastOpenOption? Find(ReadOnlySpan<byte> options)
    {
        TcpFastOpenOption? found = null;
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == 0)
            {
                break;
            }

            if (kind == 1)
            {
                i++;
                continue;
            }

            if (i + 1 >= options.Length)
            {
                throw new FormatException($"TCP option kind {kind} at offset {i} has no length byte");
            }

            int length = options[i + 1];
            if (length < 2 || i + length > options.Length)
            {
                throw new FormatException($"TCP option kind {kind} at offset {i} has a bad length {length} ({options.Length} option bytes)");
            }

            ReadOnlySpan<byte> value = options.Slice(i + 2, length - 2);
            TcpFastOpenOption? option = kind switch
            {
                IanaKind => new TcpFastOpenOption(kind, value.ToArray()),
                ExperimentalKind when value.Length >= 2 && BinaryPrimitives.ReadUInt16BigEndian(value) == ExperimentalMagic
                    => new TcpFastOpenOption(kind, value[2..].ToArray()),
                _ => null, // another option, or another experiment under kind 254
            };
            if (option is not null)
            {
                if (found is not null)
                {
                    throw new FormatException("two TCP Fast Open options in one segment");
                }

                found = option;
            }

            i += length;
        }

        return found;
    }
}
