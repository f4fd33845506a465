import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileFor, filterServices, tilesUrl } from '../../../web/js/static_site.js';

// A meta.json as `needmap publish --level ward,lsoa --category family_hub` writes it.
const META = {
  static: true,
  child_population: 'children',
  gaps: { need_indicator: 'imd_score', child_need_indicator: 'children_income_deprived' },
  categories: [{ id: 'family_hub', serves: 'children' }, { id: 'gp', serves: 'total' }],
  indicators: [{ id: 'imd_score', levels: ['ward', 'lsoa'] }, { id: 'children_income_deprived', levels: ['ward', 'lsoa'] }],
  levels: [
    { id: 'ward', geojson: 'data/areas/ward.geojson', pmtiles: 'tiles/ward.pmtiles', categories: [{ category: 'family_hub', geojson: 'data/areas/ward.category-family_hub.geojson' }] },
    { id: 'lsoa', geojson: 'data/areas/lsoa.geojson', pmtiles: 'tiles/lsoa.pmtiles', categories: [] },
  ],
  services: { geojson: 'data/services.geojson' },
  published: { names: [{ id: 'constituency', geojson: 'data/names/constituency.json' }] },
};

test('API URLs map to the published files, or to nothing when the copy cannot answer', () => {
  assert.deepEqual(fileFor('api/meta', META), { file: 'meta.json' });
  assert.deepEqual(fileFor('api/areas/ward.geojson', META), { file: 'data/areas/ward.geojson' });
  assert.deepEqual(fileFor('api/areas/ward.geojson?category=family_hub', META), { file: 'data/areas/ward.category-family_hub.geojson' });
  // The gap map's default need for a children's service is the published one; another need is not.
  assert.deepEqual(fileFor('api/areas/ward.geojson?category=family_hub&indicator=children_income_deprived', META),
    { file: 'data/areas/ward.category-family_hub.geojson' });
  assert.equal(fileFor('api/areas/ward.geojson?category=family_hub&indicator=imd_score', META), null);
  assert.equal(fileFor('api/areas/ward.geojson?category=gp', META), null, 'category not published');
  assert.equal(fileFor('api/areas/ward.geojson?category=family_hub&method=nearest', META), null, 'another method needs the server');
  assert.deepEqual(fileFor('api/areas/constituency.geojson', META), { file: 'data/names/constituency.json' }, 'names of the places above');
  assert.equal(fileFor('api/areas/constituency.geojson?category=gp', META), null, 'only names');
  assert.equal(fileFor('api/areas/msoa.geojson', META), null, 'level not published');
  assert.equal(fileFor('api/areas/ward.geojson?scenario=x&geometry=false&fields=services', META), null);
  assert.equal(fileFor('api/search?q=Tong', META), null);
  assert.equal(fileFor('api/export/ward.csv', META), null);
  assert.equal(fileFor('api/meta', null), null, 'not a published copy');
  // Empty parameters (the page's unset controls) are ignored, as the server ignores them.
  assert.deepEqual(fileFor('api/areas/lsoa.geojson?category=&tier=', META), { file: 'data/areas/lsoa.geojson' });
});

test('service points are filtered in the page as the server filters them', () => {
  const where = fileFor('api/services.geojson?category=gp,library&tier=1', META);
  assert.deepEqual(where, { file: 'data/services.geojson', filter: { categories: ['gp', 'library'], tier: '1' } });
  const fc = { type: 'FeatureCollection', features: [
    { properties: { category: 'gp', tier: '1' } }, { properties: { category: 'gp', tier: '2' } },
    { properties: { category: 'library', tier: '1' } }, { properties: { category: 'school', tier: '1' } },
  ] };
  assert.equal(filterServices(fc, where.filter).features.length, 2);
  assert.equal(filterServices(fc, fileFor('api/services.geojson', META).filter).features.length, 4);
  assert.equal(fileFor('api/services.geojson?bbox=0,0,1,1', META), null);
});

test('the archives are PMTiles URLs relative to the page', () => {
  assert.equal(tilesUrl('ward', META, 'https://maps.example.org/site/index.html'), 'pmtiles://https://maps.example.org/site/tiles/ward.pmtiles');
  assert.equal(tilesUrl('services', META, 'https://maps.example.org/site/'), 'pmtiles://https://maps.example.org/site/tiles/services.pmtiles');
});
