// n8n-core logs every node error it sees; the unit tests provoke hundreds on purpose. Set
// N8N_LOG_LEVEL=debug (or info) to see them while debugging.
process.env.N8N_LOG_LEVEL ??= 'silent';
