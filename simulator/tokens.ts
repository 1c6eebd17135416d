/**
 * OAuth client-credentials tokens as the reference describes them: a renewal does not kill the
 * previous token at once, it stays usable for an overlap (300 s) so that callers can switch
 * over smoothly. Token times are real time, not simulated time: a client's refresh logic runs
 * on the wall clock.
 */
import { randomUUID } from 'crypto';

export interface Client {
	clientId: string;
	clientSecret: string;
}

/** The reference's own example client, so its curl examples work against the simulator. */
export const DEMO_CLIENT_ID = 'A20081';
export const DEMO_CLIENT_SECRET = 'e2651be5-12d3-48f3-ba6c-bc2b04a447b6';
export const DEMO_CLIENT: Readonly<Client> = { clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET };

export interface IssuedToken {
	access_token: string;
	token_type: 'bearer';
	expires_in: number;
	scope: string;
}

interface TokenEntry {
	clientId: string;
	expiresAt: number;
}

export type TokenResult =
	| { ok: true; token: IssuedToken }
	| { ok: false; status: 400 | 401; body: { error: string; error_description: string } };

export type TokenRejection = 'code' | 'http401';

export class TokenStore {
	private readonly tokens = new Map<string, TokenEntry>();
	private readonly current = new Map<string, string>();
	private readonly clientsById = new Map<string, Client>();

	/**
	 * How an unknown or expired bearer token is refused: the reference answers HTTP 200 with
	 * code 15101; gateways and proxies in front of it answer HTTP 401.
	 */
	public rejection: TokenRejection = 'code';

	/** Every bearer token is refused while set, as when the gateway's token store is broken. */
	public refuseAll = false;

	/**
	 * `expires_in` as answered, whatever the token's real life (`ttlSeconds`): a gateway may report
	 * 0.001 or 0 for a token that lives for hours. Undefined: the real life.
	 */
	public reportedExpiresIn: number | undefined = undefined;

	/** Added to the wall clock, so tests can let tokens age without waiting for them. */
	private offsetMs = 0;

	constructor(
		clients: readonly Client[],
		public ttlSeconds = 43199,
		public overlapSeconds = 300,
	) {
		for (const client of clients) this.clientsById.set(client.clientId, { ...client });
	}

	get clients(): Client[] {
		return [...this.clientsById.values()].map((c) => ({ ...c }));
	}

	/** Token time: the wall clock, plus what `advance` added. */
	now(): number {
		return Date.now() + this.offsetMs;
	}

	/** Lets every token age by `seconds` at once (expiry and overlap included). */
	advance(seconds: number): void {
		if (!(seconds >= 0)) throw new RangeError(`can only advance by seconds >= 0, got ${seconds}`);
		this.offsetMs += seconds * 1000;
	}

	issue(form: URLSearchParams, now = this.now()): TokenResult {
		const client = this.clientsById.get(form.get('client_id') ?? '');
		// The gateway (Spring OAuth) checks the client before the grant type.
		if (!client || client.clientSecret !== form.get('client_secret')) {
			return {
				ok: false,
				status: 401,
				body: { error: 'invalid_client', error_description: 'Bad client credentials' },
			};
		}
		const grantType = form.get('grant_type');
		if (grantType !== 'client_credentials') {
			return {
				ok: false,
				status: 400,
				body: {
					error: 'unsupported_grant_type',
					error_description: `Unsupported grant type: ${grantType ?? ''}`,
				},
			};
		}
		this.prune(now);
		const previous = this.current.get(client.clientId);
		if (previous) {
			const entry = this.tokens.get(previous);
			if (entry) entry.expiresAt = Math.min(entry.expiresAt, now + this.overlapSeconds * 1000);
		}
		const accessToken = randomUUID();
		this.tokens.set(accessToken, { clientId: client.clientId, expiresAt: now + this.ttlSeconds * 1000 });
		this.current.set(client.clientId, accessToken);
		return {
			ok: true,
			token: {
				access_token: accessToken,
				token_type: 'bearer',
				// Fractional TTLs exist only to keep tests short; the wire field is an Int.
				expires_in: this.reportedExpiresIn ?? Math.ceil(this.ttlSeconds),
				scope: 'read write trust',
			},
		};
	}

	/** The client id the token belongs to, or undefined when it is unknown or dead. */
	verify(accessToken: string, now = this.now()): string | undefined {
		if (this.refuseAll) return undefined;
		const entry = this.tokens.get(accessToken);
		if (!entry) return undefined;
		if (entry.expiresAt <= now) {
			this.tokens.delete(accessToken);
			return undefined;
		}
		return entry.clientId;
	}

	/** Live tokens per client, for the admin view. */
	counts(now = this.now()): { clientId: string; liveTokens: number }[] {
		this.prune(now);
		const counts = new Map<string, number>();
		for (const entry of this.tokens.values()) counts.set(entry.clientId, (counts.get(entry.clientId) ?? 0) + 1);
		return [...this.clientsById.keys()].map((clientId) => ({ clientId, liveTokens: counts.get(clientId) ?? 0 }));
	}

	/** Makes every issued token dead at once, as a gateway restart would. */
	revokeAll(): void {
		this.tokens.clear();
		this.current.clear();
	}

	private prune(now: number): void {
		for (const [token, entry] of this.tokens) if (entry.expiresAt <= now) this.tokens.delete(token);
	}
}

/** Reads `bearer <token>` with the scheme in any case, as the gateway does. */
export function bearerToken(header: string | undefined): string | undefined {
	if (!header) return undefined;
	const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
	return match?.[1];
}
