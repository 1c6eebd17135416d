/**
 * n8n's helper floor: a bare node that sends the same status requests as the package's node,
 * through the same `this.helpers.httpRequest` n8n gives every node, at the same number in flight,
 * and does nothing else (no validation, no token cache, no retries, no error mapping). The
 * package's own cost is its time over this node's.
 *
 * The bench transpiles this file into the n8n user folder's `.n8n/custom/`, where n8n loads it
 * as `CUSTOM.helperFloor`; it never ships. Only type imports: the loaded file needs no modules.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

export const HELPER_FLOOR_TYPE = 'CUSTOM.helperFloor';

export class HelperFloor implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Helper Floor',
		name: 'helperFloor',
		group: ['transform'],
		version: 1,
		description: 'Sends one status request per item through httpRequest, and nothing else',
		defaults: { name: 'Helper Floor' },
		inputs: ['main'],
		outputs: ['main'],
		properties: [
			{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: '' },
			{ displayName: 'Client ID', name: 'clientId', type: 'string', default: '' },
			{ displayName: 'Client Secret', name: 'clientSecret', type: 'string', default: '' },
			{ displayName: 'In Flight', name: 'inFlight', type: 'number', default: 50 },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const baseUrl = this.getNodeParameter('baseUrl', 0) as string;
		const inFlight = this.getNodeParameter('inFlight', 0) as number;
		const token = (await this.helpers.httpRequest({
			method: 'POST',
			url: `${baseUrl}/oauth/token`,
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({
				client_id: this.getNodeParameter('clientId', 0) as string,
				client_secret: this.getNodeParameter('clientSecret', 0) as string,
				grant_type: 'client_credentials',
			}).toString(),
			json: true,
		})) as { access_token: string };
		const out: INodeExecutionData[] = new Array(items.length);
		let next = 0;
		const worker = async () => {
			while (next < items.length) {
				const i = next++;
				// A failure fails the node, as a node without "continue on fail" does.
				const json = (await this.helpers.httpRequest({
					method: 'GET',
					url: `${baseUrl}/api/v2/vehicle/query/current/status`,
					qs: { iotCode: items[i].json.iotCode as string },
					headers: { Authorization: `bearer ${token.access_token}` },
					json: true,
				})) as IDataObject;
				out[i] = { json, pairedItem: { item: i } };
			}
		};
		await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
		return [out];
	}
}
