// A GraphQL Inspector rule, applied after `suppressRemovalOfDeprecatedField`:
// removing a field, argument, input field or enum value stays breaking
// unless the last release deprecated it with a reason of its own (not
// graphql-js's default "No longer supported"), so clients were told why and
// what to use instead.
const { isEnumType, isInputObjectType, isInterfaceType, isObjectType } = require('graphql');

const REMOVALS = new Set(['FIELD_REMOVED', 'INPUT_FIELD_REMOVED', 'ENUM_VALUE_REMOVED']);

function deprecationReason(schema, path) {
  const [typeName, memberName] = path.split('.');
  const type = schema.getType(typeName);
  let member;
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) member = type.getFields()[memberName];
  else if (isEnumType(type)) member = type.getValue(memberName);
  return member?.deprecationReason ?? null;
}

module.exports = ({ changes, oldSchema }) =>
  changes.map((change) => {
    if (!REMOVALS.has(change.type) || change.criticality.level === 'BREAKING' || !change.path) return change;
    const reason = deprecationReason(oldSchema, change.path);
    if (reason && reason.trim() && reason !== 'No longer supported') return change;
    return {
      ...change,
      criticality: {
        ...change.criticality,
        level: 'BREAKING',
        reason: 'the last release did not deprecate it with a reason',
      },
    };
  });
