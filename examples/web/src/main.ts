// A page of the archive in Chinese or Japanese, with photos, a search box
// and paging: the documents below are typed by graphql-codegen from the
// server's schema and sent by their hash only (trusted documents), as GETs
// a CDN can cache.
import { Client, fetchExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { graphql } from './gql';
import type { Language } from './gql/graphql';

const ExchangesPage = graphql(`
  query ExchangesPage($lang: Language!, $first: Int!, $after: String) {
    exchanges(lang: $lang, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        date
        title
        participants { country institution { name } }
        photos { caption image { url(width: 320) srcset width height } }
      }
    }
  }
`);

const Search = graphql(`
  query Search($query: String!, $lang: Language!, $after: String) {
    searchResults(query: $query, lang: $lang, first: 10, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          __typename
          ... on Exchange { title date }
          ... on Institution { name }
          ... on Speaker { name }
          ... on Specialty { name }
          ... on Photo { caption }
          ... on AidShipment { items }
        }
        match { field snippet(length: 60) }
      }
    }
  }
`);

const api = new URLSearchParams(location.search).get('api') ?? 'http://127.0.0.1:8000/graphql';
const client = new Client({
  url: api,
  preferGetMethod: true,
  exchanges: [
    persistedExchange({
      // Send the hash only: the server runs the trusted document it names.
      enforcePersistedQueries: true,
      enableForMutation: true,
      preferGetForPersistedQueries: true,
      generateHash: async (_query, document) => (document as { __meta__?: { hash?: string } }).__meta__?.hash ?? '',
    }),
    fetchExchange,
  ],
});

const headings: Record<Language, string> = { ZH: '中日医学交流', JA: '日中医学交流', EN: 'China–Japan medical exchanges' };
const state: { lang: Language; after: string | null; query: string } = { lang: 'ZH', after: null, query: '' };
const list = document.querySelector<HTMLElement>('#list')!;
const more = document.querySelector<HTMLButtonElement>('#more')!;
const error = document.querySelector<HTMLElement>('#error')!;

function onApi(url: string): string {
  return new URL(url, api).href;
}

function element(tag: string, text?: string | null, className?: string): HTMLElement {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  return node;
}

async function showExchanges(append: boolean): Promise<void> {
  const answer = await client.query(ExchangesPage, { lang: state.lang, first: 5, after: state.after }).toPromise();
  error.textContent = answer.error?.message ?? '';
  const page = answer.data?.exchanges;
  if (!page) return;
  if (!append) list.replaceChildren();
  for (const exchange of page.nodes) {
    const item = element('article', null, 'exchange');
    item.append(element('h2', exchange.title));
    const who = exchange.participants.map((p) => p.institution.name).join(' · ');
    item.append(element('p', `${exchange.date} — ${who}`, 'meta'));
    const photos = element('div', null, 'photos');
    for (const photo of exchange.photos) {
      if (!photo.image) continue;
      const image = document.createElement('img');
      // Image URLs are paths on the API's origin (unless the server has
      // --public-url): resolve them there, not on this page's origin.
      image.src = onApi(photo.image.url);
      image.srcset = photo.image.srcset
        .split(', ')
        .map((entry) => {
          const [url, width] = entry.split(' ');
          return `${onApi(url)} ${width}`;
        })
        .join(', ');
      image.sizes = '128px';
      image.alt = photo.caption;
      image.width = Math.round((96 * photo.image.width) / photo.image.height);
      image.height = 96;
      photos.append(image);
    }
    item.append(photos);
    list.append(item);
  }
  state.after = page.pageInfo.endCursor ?? null;
  more.hidden = !page.pageInfo.hasNextPage;
}

async function showSearch(append: boolean): Promise<void> {
  const variables = { query: state.query, lang: state.lang, after: state.after };
  const answer = await client.query(Search, variables).toPromise();
  error.textContent = answer.error?.message ?? '';
  const page = answer.data?.searchResults;
  if (!page) return;
  if (!append) list.replaceChildren();
  for (const { node, match } of page.edges) {
    const item = element('article', null, 'exchange result');
    const name = 'title' in node ? node.title : 'name' in node ? node.name : 'caption' in node ? node.caption : node.items;
    item.append(element('h2', name));
    const snippet = element('p', null, 'meta');
    // The server escapes the text and adds only <mark>.
    snippet.innerHTML = match ? `${node.__typename} · ${match.field}: ${match.snippet}` : node.__typename;
    item.append(snippet);
    list.append(item);
  }
  state.after = page.pageInfo.endCursor ?? null;
  more.hidden = !page.pageInfo.hasNextPage;
}

function show(append = false): Promise<void> {
  if (!append) state.after = null;
  return state.query ? showSearch(append) : showExchanges(append);
}

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-lang]')) {
  button.addEventListener('click', () => {
    state.lang = button.dataset.lang as Language;
    document.documentElement.lang = state.lang.toLowerCase();
    document.querySelector('#heading')!.textContent = headings[state.lang];
    for (const other of document.querySelectorAll('[data-lang]')) {
      other.setAttribute('aria-pressed', String(other === button));
    }
    void show();
  });
}
document.querySelector<HTMLFormElement>('#search')!.addEventListener('submit', (event) => {
  event.preventDefault();
  state.query = new FormData(event.target as HTMLFormElement).get('q')?.toString().trim() ?? '';
  void show();
});
more.addEventListener('click', () => void show(true));
void show();
