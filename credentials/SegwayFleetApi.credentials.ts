import type {
	IAuthenticate,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { baseUrlExpression } from '../api/catalog/regions';
import { CREDENTIAL_TYPE, type SegwayCredentials } from '../api/transport/credentials';
import { getAccessToken, NODE_MANAGED_TOKEN } from '../api/transport/tokens';

export class SegwayFleetApi implements ICredentialType {
	name = CREDENTIAL_TYPE;

	displayName = 'Segway Fleet API';

	icon: Icon = {
		light: 'file:../icons/segway.svg',
		dark: 'file:../icons/segway.dark.svg',
	};

	documentationUrl = 'https://github.com/segway-fleet/n8n-nodes-segway-fleet#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'A20081',
			description:
				'Your platform code (client_id) from the Segway business system. Its first letter tells the region: A APAC, E Europe, U Americas, C China.',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'The client_secret from the Segway business system. It also signs the pushes that the Segway Fleet Trigger receives.',
		},
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			default: 'auto',
			options: [
				{
					name: 'Auto (From Client ID)',
					value: 'auto',
					description: 'A → APAC, E → Europe, U → Americas, C → China',
				},
				{ name: 'APAC', value: 'apac', description: 'apac-api.segwaydiscovery.com' },
				{ name: 'Europe', value: 'europe', description: 'eu-api.segwaydiscovery.com' },
				{ name: 'Americas', value: 'americas', description: 'us-api.segwaydiscovery.com' },
				{ name: 'China', value: 'china', description: 'cn-api.segwaydiscovery.com' },
				{
					name: 'Custom URL',
					value: 'custom',
					description: 'A proxy, or the bundled simulator',
				},
			],
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'http://127.0.0.1:8080',
			description: 'Base URL of the API, without a trailing path',
			displayOptions: { show: { region: ['custom'] } },
		},
		{
			// Filled by preAuthentication when n8n calls it: the credential test, or another node using
			// this credential. This package's nodes pass the token of their process cache and replace a
			// refused one themselves, once for all requests (api/transport/send.ts), so that a refusal
			// storm writes nothing back to n8n's database.
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		// A request of this package's nodes, refused with 401 on n8n 1.x: the node replaces the
		// token itself, once for all its requests; nothing here, so nothing is fetched or written.
		if (credentials[NODE_MANAGED_TOKEN] === true) return {};
		const current = typeof credentials.accessToken === 'string' ? credentials.accessToken : '';
		const accessToken = await getAccessToken(
			this.helpers,
			credentials as unknown as SegwayCredentials,
			current || undefined,
		);
		return { accessToken };
	}

	// A function rather than the declarative `={{$credentials.accessToken}}` header: n8n 2.41
	// evaluates a declarative header through its expression sandbox on every request, which
	// measured 1.4 ms of CPU per request, a third of the node's time on a 1,000-vehicle run.
	authenticate: IAuthenticate = async (credentials, requestOptions) => ({
		...requestOptions,
		headers: { ...requestOptions.headers, Authorization: `bearer ${String(credentials.accessToken)}` },
	});

	// A token fetch (preAuthentication) precedes this request, so a wrong secret fails there with
	// the API's own "Bad client credentials"; the query then proves the token is accepted.
	test: ICredentialTestRequest = {
		request: {
			baseURL: baseUrlExpression(),
			url: '/api/v2/vehicle/query/current/status',
			qs: { iotCode: '000000000000000' },
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'code',
					value: 15101,
					message: 'Segway refused the access token (code 15101, token verification failed)',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'code',
					value: 15100,
					message: 'Segway does not know this client in this region (code 15100); check the region',
				},
			},
		],
	};
}
