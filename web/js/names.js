// Area names for people: a statistical name carries its place ("Bradford 059D, Royds").

/** The name of an area from its properties (`name`, `place`, `code`). */
export function areaName(props) {
  const name = props?.name || props?.code || '';
  return props?.place ? `${name}, ${props.place}` : name;
}
