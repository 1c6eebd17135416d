import { describeValue } from '../describe';

/** Region hosts of the reference ("Note1"), chosen by the first letter of the platform code. */
export const REGION_HOSTS = {
	apac: 'https://apac-api.segwaydiscovery.com',
	europe: 'https://eu-api.segwaydiscovery.com',
	americas: 'https://us-api.segwaydiscovery.com',
	china: 'https://cn-api.segwaydiscovery.com',
} as const;

export type Region = keyof typeof REGION_HOSTS;

const REGION_BY_PREFIX: Readonly<Record<string, Region>> = {
	A: 'apac',
	E: 'europe',
	U: 'americas',
	C: 'china',
};

export interface RegionSettings {
	clientId: string;
	region: Region | 'auto' | 'custom';
	baseUrl?: string;
}

/** Returns the API base URL without a trailing slash, or throws a message a user can act on. */
export function resolveBaseUrl(settings: RegionSettings): string {
	if (settings.region === 'custom') {
		const url = (settings.baseUrl ?? '').trim();
		if (!/^https?:\/\/[^/]/i.test(url)) {
			// Shown without a user:password part, and cut short: the credential's text, not an item's.
			throw new Error(`Base URL ${describeValue(url.replace(/^([^/]*\/\/)?[^/@]*@/, '$1…@'))} is not an http(s) URL; set it in the credential`);
		}
		return url.replace(/\/+$/, '');
	}
	if (settings.region !== 'auto') return REGION_HOSTS[settings.region];
	const prefix = settings.clientId.trim().charAt(0).toUpperCase();
	const region = REGION_BY_PREFIX[prefix];
	if (!region) {
		throw new Error(
			`Client ID ${describeValue(settings.clientId)} does not start with A, E, U or C, so its region is unknown; pick the region in the credential`,
		);
	}
	return REGION_HOSTS[region];
}

/**
 * The same choice as an n8n expression, for the credential test request, which n8n evaluates
 * itself. Built from the tables above so that the two can never disagree.
 */
export function baseUrlExpression(): string {
	const hosts = JSON.stringify(REGION_HOSTS);
	const prefixes = JSON.stringify(REGION_BY_PREFIX);
	return (
		'={{ $credentials.region === "custom" ? String($credentials.baseUrl).trim().replace(/\\/+$/, "") : ' +
		`${hosts}[$credentials.region === "auto" ? ${prefixes}[String($credentials.clientId).trim().charAt(0).toUpperCase()] : $credentials.region] }}`
	);
}
