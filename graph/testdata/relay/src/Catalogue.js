// The catalogue and the team, paged with @connection.
import {graphql} from 'react-relay';

export const services = graphql`
  fragment Catalogue_services on Query
  @refetchable(queryName: "CatalogueServicesPaginationQuery")
  @argumentDefinitions(
    first: {type: "Int", defaultValue: 20}
    after: {type: "String"}
    includeArchived: {type: "Boolean", defaultValue: false}
  ) {
    servicesConnection(first: $first, after: $after, includeArchived: $includeArchived, orderBy: NAME_ASC)
      @connection(key: "Catalogue_servicesConnection") {
      totalCount
      edges { node { id name durationMinutes price { amount currency } active } }
    }
  }
`;

export const staff = graphql`
  fragment Catalogue_staff on Query
  @refetchable(queryName: "CatalogueStaffPaginationQuery")
  @argumentDefinitions(first: {type: "Int", defaultValue: 20}, after: {type: "String"}) {
    staffMembersConnection(first: $first, after: $after) @connection(key: "Catalogue_staffMembersConnection") {
      edges { node { id name active services { id name } } }
    }
  }
`;

export const members = graphql`
  fragment Catalogue_members on Query
  @refetchable(queryName: "CatalogueMembersPaginationQuery")
  @argumentDefinitions(first: {type: "Int", defaultValue: 20}, after: {type: "String"}) {
    membersConnection(first: $first, after: $after) @connection(key: "Catalogue_membersConnection") {
      totalCount
      edges { node { role createdAt user { id name email } } }
    }
  }
`;

export const page = graphql`
  query CatalogueQuery {
    ...Catalogue_services
    ...Catalogue_staff
    ...Catalogue_members
  }
`;
