package dev.spl.daemon.http;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The names a daemon answers to in {@code Host} and {@code Origin} headers. A page of a site the
 * attacker controls can make a browser send requests to the daemon (DNS rebinding points the
 * attacker's name at 127.0.0.1), but those requests carry the attacker's name in {@code Host}; a
 * daemon that answers only to its own names never serves them.
 *
 * <p>Its own names are the address it bound and the host of its advertised URL; a loopback bind
 * adds {@code 127.0.0.1}, {@code localhost} and {@code [::1]}, and a wildcard bind ({@code
 * 0.0.0.0}, {@code ::}) adds those and the addresses of the machine's network interfaces. Each is
 * taken with the port the request came in on; the advertised URL's host also with the URL's own
 * port (a proxy or NAT may forward another port).
 */
public final class HostNames {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final List<String> LOOPBACK = List.of("127.0.0.1", "localhost", "::1");
  // A daemon is called by a handful of exact Host values; remembering the ones it took spares
  // parsing the header on every request. Only taken values are kept, so refused ones cannot fill
  // it.
  private static final int MAX_REMEMBERED = 64;

  /** Normalised host names, matched with the port of the connection. */
  private final Set<String> hosts;

  /** {@code host:port} of the advertised URL, normalised; null when none is advertised. */
  private final String advertisedAuthority;

  /** {@code Host} values taken, each with the port it came in on. */
  private final Set<Taken> taken = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private record Taken(String hostHeader, int localPort) {}

  private HostNames(Set<String> hosts, String advertisedAuthority) {
    this.hosts = Collections.unmodifiableSet(hosts);
    this.advertisedAuthority = advertisedAuthority;
  }

  /**
   * The names of a daemon bound to {@code bindHost} (resolved once, at start-up) and reached by
   * others at {@code advertiseUrl} (null when it is the bound URL).
   */
  public static HostNames of(String bindHost, String advertiseUrl) {
    Set<String> hosts = new HashSet<>();
    hosts.add(normalise(unbracket(bindHost)));
    try {
      InetAddress bound = InetAddress.getByName(unbracket(bindHost));
      hosts.add(normalise(bound.getHostAddress()));
      if (bound.isLoopbackAddress() || bound.isAnyLocalAddress()) {
        LOOPBACK.forEach(name -> hosts.add(normalise(name)));
      }
      if (bound.isAnyLocalAddress()) {
        hosts.addAll(interfaceAddresses());
      }
    } catch (UnknownHostException e) {
      // The daemon refuses to start on a name that does not resolve; nothing to add here.
    }
    String advertised = null;
    if (advertiseUrl != null && !advertiseUrl.isBlank()) {
      URI uri = URI.create(advertiseUrl.trim());
      if (uri.getHost() != null) {
        String host = normalise(unbracket(uri.getHost()));
        hosts.add(host);
        int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(uri.getScheme());
        advertised = host + ":" + port;
      }
    }
    return new HostNames(hosts, advertised);
  }

  /**
   * Whether {@code hostHeader} ({@code host[:port]}, IPv6 in brackets) names this daemon for a
   * connection that came in on {@code localPort}. A missing port means 80.
   */
  public boolean allows(String hostHeader, int localPort) {
    if (hostHeader == null) {
      return false;
    }
    Taken key = new Taken(hostHeader, localPort);
    if (taken.contains(key)) {
      return true;
    }
    Authority authority = Authority.parse(hostHeader, 80);
    if (authority == null) {
      return false;
    }
    boolean allowed =
        (authority.port() == localPort && hosts.contains(authority.host()))
            || (authority.host() + ":" + authority.port()).equals(advertisedAuthority);
    if (allowed && taken.size() < MAX_REMEMBERED) {
      taken.add(key);
    }
    return allowed;
  }

  /**
   * Whether {@code origin} ({@code scheme://host[:port]}) is a page served by this daemon itself,
   * for a connection that came in on {@code localPort}.
   */
  public boolean allowsOrigin(String origin, int localPort) {
    int schemeEnd = origin.indexOf("://");
    if (schemeEnd <= 0) {
      return false;
    }
    String scheme = origin.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    String rest = origin.substring(schemeEnd + 3);
    if (!(scheme.equals("http") || scheme.equals("https")) || rest.contains("/")) {
      return false;
    }
    Authority authority = Authority.parse(rest, defaultPort(scheme));
    return authority != null
        && ((authority.port() == localPort && hosts.contains(authority.host()))
            || (authority.host() + ":" + authority.port()).equals(advertisedAuthority));
  }

  /** The names for messages, sorted, IPv6 in brackets. */
  public String describe(int localPort) {
    Set<String> names = new TreeSet<>();
    for (String host : hosts) {
      String shown = host.equals("0:0:0:0:0:0:0:1") ? "::1" : host;
      names.add((shown.contains(":") ? "[" + shown + "]" : shown) + ":" + localPort);
    }
    if (advertisedAuthority != null) {
      names.add(advertisedAuthority);
    }
    return String.join(", ", names);
  }

  private record Authority(String host, int port) {
    /** Null when {@code text} is not {@code host[:port]}. */
    static Authority parse(String text, int defaultPort) {
      if (text == null || text.isEmpty()) {
        return null;
      }
      String host;
      String port = null;
      if (text.startsWith("[")) {
        int close = text.indexOf(']');
        if (close < 0) {
          return null;
        }
        host = text.substring(1, close);
        String after = text.substring(close + 1);
        if (!after.isEmpty()) {
          if (!after.startsWith(":")) {
            return null;
          }
          port = after.substring(1);
        }
      } else {
        int colon = text.indexOf(':');
        if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
          return null;
        }
        host = colon < 0 ? text : text.substring(0, colon);
        port = colon < 0 ? null : text.substring(colon + 1);
      }
      if (host.isEmpty()) {
        return null;
      }
      int number = defaultPort;
      if (port != null) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
          return null;
        }
        number = Integer.parseInt(port);
      }
      return new Authority(normalise(host), number);
    }
  }

  private static int defaultPort(String scheme) {
    return "https".equalsIgnoreCase(scheme) ? 443 : 80;
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /**
   * Lower case; an IP literal in its canonical form, so {@code [0:0:0:0:0:0:0:1]} and {@code [::1]}
   * are one name. Names that are not literals are never looked up: that would ask the DNS the
   * attacker controls.
   */
  private static String normalise(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    if (isIpv4(lower) || lower.contains(":")) {
      try {
        InetAddress address = InetAddress.getByName(lower);
        if (address instanceof Inet6Address v6) {
          // Drop a zone (fe80::1%eth0): a Host header cannot carry one in a usable form.
          String literal = v6.getHostAddress();
          int zone = literal.indexOf('%');
          return zone < 0 ? literal : literal.substring(0, zone);
        }
        return address.getHostAddress();
      } catch (UnknownHostException e) {
        return lower;
      }
    }
    return lower;
  }

  /** Dotted quad with every part 0..255: InetAddress would look anything else up as a name. */
  private static boolean isIpv4(String host) {
    if (!IPV4.matcher(host).matches()) {
      return false;
    }
    for (String part : host.split("\\.")) {
      if (Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  private static Set<String> interfaceAddresses() {
    Set<String> addresses = new HashSet<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          addresses.add(normalise(address.getHostAddress()));
        }
      }
    } catch (SocketException e) {
      // Without the list, the loopback names and the advertised URL still work.
    }
    return addresses;
  }
}
