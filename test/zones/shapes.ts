/** Shapes for the zone tests, in GeoJSON order (longitude, latitude). */

/** A closed axis-aligned ring, counter-clockwise. */
export const ring = (x0: number, y0: number, x1: number, y1: number): number[][] => [
	[x0, y0],
	[x1, y0],
	[x1, y1],
	[x0, y1],
	[x0, y0],
];

/** A polygon of one ring, as a MultiPolygon's part or a Polygon's coordinates. */
export const square = (x0: number, y0: number, x1: number, y1: number): number[][][] => [ring(x0, y0, x1, y1)];
