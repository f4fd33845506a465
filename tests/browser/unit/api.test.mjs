import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportUrl } from '../../../web/js/api.js';

test('CSV downloads carry a byte order mark by default, other formats do not', () => {
  assert.equal(exportUrl('ward', 'csv', { category: 'gp' }), 'api/export/ward.csv?category=gp&bom=true');
  assert.equal(exportUrl('ward', 'csv', { bom: 'false' }), 'api/export/ward.csv?bom=false');
  assert.equal(exportUrl('ward', 'geojson', { category: 'gp' }), 'api/export/ward.geojson?category=gp');
  assert.equal(exportUrl('ward', 'zip'), 'api/export/ward.zip');
});
