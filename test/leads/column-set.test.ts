import { describe, expect, it } from 'vitest';
import { ColumnSet, toCells } from '../../src/leads/column-set.js';
import type { FlatEntry } from '../../src/leads/flatten.js';

describe('ColumnSet', () => {
  it('starts empty or with the initial names, deduplicated in order', () => {
    expect(new ColumnSet().size).toBe(0);
    const columns = new ColumnSet(['id', 'email', 'id']);
    expect(columns.names).toEqual(['id', 'email']);
    expect(columns.size).toBe(2);
  });

  it('add returns the existing index or appends a new name', () => {
    const columns = new ColumnSet(['id']);
    expect(columns.add('email')).toBe(1);
    expect(columns.add('id')).toBe(0);
    expect(columns.add('email')).toBe(1);
    expect(columns.add('phone')).toBe(2);
    expect(columns.names).toEqual(['id', 'email', 'phone']);
  });

  it('indexOf finds known names only', () => {
    const columns = new ColumnSet(['id', 'email']);
    expect(columns.indexOf('email')).toBe(1);
    expect(columns.indexOf('phone')).toBeUndefined();
    expect(columns.indexOf('constructor')).toBeUndefined();
  });
});

describe('toCells', () => {
  const entries: FlatEntry[] = [
    ['id', 7],
    ['phone', '+1'],
    ['email', null],
  ];

  it('aligns values to the set order, undefined for missing columns', () => {
    const columns = new ColumnSet(['email', 'id', 'name', 'phone']);
    const cells = toCells(entries, columns, false);
    expect(cells).toStrictEqual([null, 7, undefined, '+1']);
  });

  it('ignores unknown columns when not growing', () => {
    const columns = new ColumnSet(['id']);
    expect(toCells(entries, columns, false)).toStrictEqual([7]);
    expect(columns.names).toEqual(['id']);
  });

  it('adds unknown columns in first-seen order when growing', () => {
    const columns = new ColumnSet(['name', 'id']);
    expect(toCells(entries, columns, true)).toStrictEqual([undefined, 7, '+1', null]);
    expect(columns.names).toEqual(['name', 'id', 'phone', 'email']);
    expect(toCells([['email', 'a@x']], columns, true)).toStrictEqual([undefined, undefined, undefined, 'a@x']);
  });
});
