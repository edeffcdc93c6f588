import CSystemShims
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who may use the socket: root, the daemon's own user, and members of the socket's group
/// (the peer's credentials from the kernel, never from what it says).
extension ControlServer {
    static func peer(_ fd: Int32) -> PeerCredentials? {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
        guard fs_peer_credentials(fd, &pid, &uid, &gid) == 0 else { return nil }
        return PeerCredentials(pid: pid, uid: uid, gid: gid)
    }

    func allowed(_ peer: PeerCredentials) -> Bool {
        if peer.uid == 0 || peer.uid == geteuid() { return true }
        guard let group = options.group else { return false }
        if peer.gid == group { return true }
        return Self.groups(ofUID: peer.uid).contains(group)
    }

    /// The supplementary groups of a user (from the user database).
    static func groups(ofUID uid: UInt32) -> [UInt32] {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var strings = [CChar](repeating: 0, count: 16384)
        guard getpwuid_r(uid, &pwd, &strings, strings.count, &result) == 0, result != nil, let name = pwd.pw_name else { return [] }
        var count: Int32 = 256
        var groups = [gid_t](repeating: 0, count: 256)
        guard getgrouplist(name, pwd.pw_gid, &groups, &count) >= 0 else { return [] }
        return Array(groups.prefix(Int(count)))
    }
}
