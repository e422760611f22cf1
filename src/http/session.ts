// Console sessions without server state: the cookie holds the key's name and an expiry,
// signed with HMAC-SHA-256 (WebCrypto, every runtime); the CSRF token of a session is an
// HMAC of its cookie, so a form posted from another site cannot carry it.
const encoder = new TextEncoder()

function base64url(bytes: Uint8Array): string {
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64url(text: string): string | undefined {
  try {
    const bytes = Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

/** Equal strings, compared in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}

/** Signs and checks session cookies and CSRF tokens with one secret. */
export interface SessionSigner {
  /** A cookie value for `name`, valid `ttlSeconds` from `now`. */
  issue(name: string, now?: number): Promise<string>
  /** The key name of a valid, unexpired cookie, else undefined. */
  verify(cookie: string, now?: number): Promise<string | undefined>
  /** The CSRF token of a session cookie. */
  csrfToken(cookie: string): Promise<string>
  /** Whether `token` is the CSRF token of `cookie`. */
  checkCsrf(cookie: string, token: string | null | undefined): Promise<boolean>
}

/**
 * A signer over `secret` (at least 16 characters; default: 32 random bytes, so sessions end
 * when the app restarts and are not shared between instances: give a secret to share them).
 */
export function sessionSigner(secret: string | undefined, ttlSeconds: number): SessionSigner {
  // Made on first use: workerd allows no random values (nor async work) at module scope.
  let key: Promise<CryptoKey> | undefined
  const mac = async (text: string) => {
    key ??= crypto.subtle.importKey(
      'raw',
      secret ? encoder.encode(secret) : crypto.getRandomValues(new Uint8Array(32)),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await key, encoder.encode(text))))
  }

  return {
    async issue(name, now = Date.now()) {
      const body = `${base64url(encoder.encode(name))}.${Math.floor(now / 1000) + ttlSeconds}`
      return `${body}.${await mac(`session|${body}`)}`
    },
    async verify(cookie, now = Date.now()) {
      const parts = cookie.split('.')
      if (parts.length !== 3) return undefined
      const body = `${parts[0]}.${parts[1]}`
      if (!sameText(parts[2], await mac(`session|${body}`))) return undefined
      const expires = Number(parts[1])
      if (!Number.isFinite(expires) || expires * 1000 <= now) return undefined
      return fromBase64url(parts[0])
    },
    csrfToken: (cookie) => mac(`csrf|${cookie}`),
    async checkCsrf(cookie, token) {
      if (!token) return false
      return sameText(token, await mac(`csrf|${cookie}`))
    },
  }
}
